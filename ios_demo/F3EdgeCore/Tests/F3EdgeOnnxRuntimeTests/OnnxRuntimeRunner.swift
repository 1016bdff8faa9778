import COnnxRuntime
import F3EdgeCore
import Foundation

struct OrtError: Error, CustomStringConvertible { let description: String }

/// ONNX Runtime through its C API behind the core's StepRunner: one session per step graph, one thread,
/// inputs and outputs by the manifest's tensor names.
final class OnnxRuntimeRunner: StepRunner {
    private let api: OrtApi
    private var env: OpaquePointer?
    private var session: OpaquePointer?
    private var memory: OpaquePointer?
    private let part: PartSpec

    init(model: URL, part: PartSpec) throws {
        guard let base = OrtGetApiBase(), let api = base.pointee.GetApi(UInt32(ORT_API_VERSION)) else {
            throw OrtError(description: "ONNX Runtime does not offer C API version \(ORT_API_VERSION)")
        }
        self.api = api.pointee
        self.part = part
        try check(self.api.CreateEnv(ORT_LOGGING_LEVEL_WARNING, "f3edge", &env))
        var options: OpaquePointer?
        try check(self.api.CreateSessionOptions(&options))
        defer { self.api.ReleaseSessionOptions(options) }
        try check(self.api.SetIntraOpNumThreads(options, 1))
        try check(self.api.CreateSession(env, model.path, options, &session))
        try check(self.api.CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memory))
    }

    deinit {
        api.ReleaseMemoryInfo(memory)
        api.ReleaseSession(session)
        api.ReleaseEnv(env)
    }

    private func check(_ status: OpaquePointer?) throws {
        guard let status else { return }
        let message = api.GetErrorMessage(status).map { String(cString: $0) } ?? "unknown ONNX Runtime error"
        api.ReleaseStatus(status)
        throw OrtError(description: message)
    }

    func run(_ inputs: [[Float]]) throws -> [[Float]] {
        var buffers: [UnsafeMutableBufferPointer<Float>] = []
        var values: [OpaquePointer?] = []
        var outputs = [OpaquePointer?](repeating: nil, count: part.outputs.count)
        let inNames = part.inputs.map { strdup($0.name) }
        let outNames = part.outputs.map { strdup($0.name) }
        defer {
            values.forEach { api.ReleaseValue($0) }
            outputs.forEach { api.ReleaseValue($0) }
            buffers.forEach { $0.deallocate() }
            (inNames + outNames).forEach { free($0) }
        }
        for (k, spec) in part.inputs.enumerated() {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: spec.count)
            _ = buffer.initialize(from: inputs[k])
            buffers.append(buffer)
            var value: OpaquePointer?
            let shape = spec.shape.map { Int64($0) }
            try check(api.CreateTensorWithDataAsOrtValue(memory, buffer.baseAddress, 4 * spec.count, shape, shape.count,
                                                         ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &value))
            values.append(value)
        }
        let inPointers: [UnsafePointer<CChar>?] = inNames.map { UnsafePointer($0) }
        let outPointers: [UnsafePointer<CChar>?] = outNames.map { UnsafePointer($0) }
        let inValues: [OpaquePointer?] = values
        try check(api.Run(session, nil, inPointers, inValues, values.count, outPointers, outputs.count, &outputs))
        return try part.outputs.enumerated().map { k, spec in
            var data: UnsafeMutableRawPointer?
            try check(api.GetTensorMutableData(outputs[k], &data))
            guard let data else { throw OrtError(description: "no data for \(spec.name)") }
            return Array(UnsafeBufferPointer(start: data.assumingMemoryBound(to: Float.self), count: spec.count))
        }
    }
}
