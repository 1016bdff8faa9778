import CoreML
import Foundation

/// The f3edge streaming contract with Core ML: predict(chunk, *states) -> (latent, *new_states).
/// States start at zeros and are threaded through every call; the first `lookahead_frames` latents are
/// warm-up and are dropped, as f3edge.runtimes does in Python.
final class StreamingEncoder {
    let manifest: StreamManifest
    private let model: MLModel
    private var states: [MLMultiArray]
    private var pending: [Float] = []
    private var warmup: Int

    init(manifest: StreamManifest, compiledModelURL: URL) throws {
        self.manifest = manifest
        let config = MLModelConfiguration()
        config.computeUnits = .all          // lets Core ML place the graph on the Neural Engine
        model = try MLModel(contentsOf: compiledModelURL, configuration: config)
        states = try manifest.encoder.inputs.dropFirst().map { spec in
            let a = try MLMultiArray(shape: spec.shape.map { NSNumber(value: $0) }, dataType: .float32)
            for i in 0..<a.count { a[i] = 0 }
            return a
        }
        warmup = manifest.lookahead_frames
    }

    /// Feed mono samples at the model rate; returns completed latent frames and each step's time (ms).
    func push(_ samples: [Float]) throws -> (latents: [[Float]], stepMs: [Double]) {
        pending.append(contentsOf: samples)
        var latents: [[Float]] = []
        var times: [Double] = []
        let hop = manifest.chunk_samples
        while pending.count >= hop {
            let chunk = Array(pending.prefix(hop))
            pending.removeFirst(hop)
            let t0 = CFAbsoluteTimeGetCurrent()
            let latent = try step(chunk)
            times.append((CFAbsoluteTimeGetCurrent() - t0) * 1000)
            if warmup > 0 { warmup -= 1 } else { latents.append(latent) }
        }
        return (latents, times)
    }

    private func step(_ chunk: [Float]) throws -> [Float] {
        let spec = manifest.encoder
        let audio = try MLMultiArray(shape: spec.inputs[0].shape.map { NSNumber(value: $0) }, dataType: .float32)
        for (i, v) in chunk.enumerated() { audio[i] = NSNumber(value: v) }
        var features: [String: MLFeatureValue] = [spec.inputs[0].name: MLFeatureValue(multiArray: audio)]
        for (k, s) in states.enumerated() { features[spec.inputs[k + 1].name] = MLFeatureValue(multiArray: s) }
        let out = try model.prediction(from: MLDictionaryFeatureProvider(dictionary: features))
        states = spec.outputs.dropFirst().map { out.featureValue(for: $0.name)!.multiArrayValue! }
        let z = out.featureValue(for: spec.outputs[0].name)!.multiArrayValue!
        return (0..<z.count).map { Float(truncating: z[$0]) }
    }
}
