import Foundation

public enum SessionError: Error, CustomStringConvertible {
    case flushed
    case nonFinite
    case badFrame(Int, Int)
    case badOutputs(String)

    public var description: String {
        switch self {
        case .flushed: return "stream already flushed"
        case .nonFinite: return "pushed audio contains NaN/inf samples"
        case let .badFrame(got, want): return "a latent frame has \(got) values, not \(want)"
        case let .badOutputs(why): return why
        }
    }
}

/// The f3edge streaming contract, the same rules as `f3edge.runtimes.session` in Python:
/// encoder: chunk_samples per call, (chunk, *states) -> (latent, *new_states), the first lookahead_frames
/// latents dropped, `flush` zero-pads the last partial chunk and runs lookahead_frames chunks of zeros;
/// decoder: (latent, *states) -> (audio chunk, *new_states), the first synthesis_delay_samples dropped,
/// `flush` returns the overlap-add tail held in the last state. Not thread-safe: one session per stream.
public class StepSession {
    let runner: StepRunner
    let part: PartSpec
    let label: String
    var states: [[Float]]
    public private(set) var closed = false
    /// Each runner call's duration in seconds, for on-screen p50/p99.
    public var onStep: (Double) -> Void = { _ in }

    init(runner: StepRunner, part: PartSpec, label: String) {
        self.runner = runner
        self.part = part
        self.label = label
        states = part.states.map { [Float](repeating: 0, count: $0.count) }
    }

    func step(_ x: [Float]) throws -> [Float] {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let outputs = try runner.run([x] + states)
        onStep(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        guard outputs.count == part.outputs.count else {
            throw SessionError.badOutputs("\(label) returned \(outputs.count) outputs, the manifest lists \(part.outputs.count)")
        }
        for (k, o) in outputs.enumerated() where o.count != part.outputs[k].count {
            throw SessionError.badOutputs("\(label) output \(part.outputs[k].name) has \(o.count) values, the manifest says \(part.outputs[k].count)")
        }
        states = Array(outputs.dropFirst())
        return outputs[0]
    }

    func checkOpen() throws { if closed { throw SessionError.flushed } }
    func close() { closed = true }
}

public final class EncoderSession: StepSession {
    public let manifest: StreamManifest
    private var pending: [Float] = []
    private var toSkip: Int

    public init(runner: StepRunner, manifest: StreamManifest) {
        self.manifest = manifest
        toSkip = manifest.lookaheadFrames
        super.init(runner: runner, part: manifest.encoder, label: "encoder")
    }

    /// Samples in [-1, 1] at manifest.sampleRate -> the latent frames completed (each latentDim floats).
    public func push(_ samples: [Float]) throws -> [[Float]] {
        try checkOpen()
        guard samples.allSatisfy({ $0.isFinite }) else { throw SessionError.nonFinite }
        pending.append(contentsOf: samples)
        var out: [[Float]] = []
        let hop = manifest.chunkSamples
        var start = 0
        while pending.count - start >= hop {
            try emit(Array(pending[start..<start + hop]), &out)
            start += hop
        }
        pending.removeFirst(start)
        return out
    }

    /// End of stream: the last partial chunk (zero-padded) and the lookahead frames still held back.
    public func flush() throws -> [[Float]] {
        try checkOpen()
        close()   // a flush that fails still ends the stream, as in Python
        var out: [[Float]] = []
        let hop = manifest.chunkSamples
        if !pending.isEmpty {
            try emit(pending + [Float](repeating: 0, count: hop - pending.count), &out)
            pending = []
        }
        for _ in 0..<manifest.lookaheadFrames { try emit([Float](repeating: 0, count: hop), &out) }
        return out
    }

    private func emit(_ x: [Float], _ out: inout [[Float]]) throws {
        let latent = try step(x)
        if toSkip > 0 { toSkip -= 1 } else { out.append(latent) }
    }
}

public final class DecoderSession: StepSession {
    public let manifest: StreamManifest
    private var toSkip: Int

    public init(runner: StepRunner, manifest: StreamManifest) {
        self.manifest = manifest
        toSkip = manifest.synthesisDelaySamples
        super.init(runner: runner, part: manifest.decoder, label: "decoder")
    }

    /// Latent frames (each latentDim floats) -> audio aligned with the encoder's input.
    public func push(_ latents: [[Float]]) throws -> [Float] {
        try checkOpen()
        var y: [Float] = []
        for z in latents {
            guard z.count == manifest.latentDim else { throw SessionError.badFrame(z.count, manifest.latentDim) }
            y += try step(z)
        }
        return align(y)
    }

    /// End of stream: the overlap-add tail (the decoder's last state holds synthesis_delay_samples).
    public func flush() throws -> [Float] {
        try checkOpen()
        close()
        return align(states.last ?? [])
    }

    private func align(_ y: [Float]) -> [Float] {
        let drop = min(toSkip, y.count)
        toSkip -= drop
        return Array(y[drop...])
    }
}
