import AVFoundation
import F3EdgeCore
import SwiftUI

/// Step-latency percentiles over a sliding window.
struct StepStats {
    private var seconds: [Double] = []
    mutating func add(_ s: Double) { seconds.append(s); if seconds.count > 500 { seconds.removeFirst() } }
    func percentileMs(_ q: Double) -> Double {
        guard !seconds.isEmpty else { return .nan }
        let sorted = seconds.sorted()
        return 1000 * sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))]
    }
}

/// Microphone -> 16 kHz mono -> streaming Core ML encode -> latents -> streaming decode -> speaker and a WAV.
/// The audio tap only converts and hands samples over; Core ML runs on a serial queue, never on the audio thread.
final class DemoModel: ObservableObject {
    @Published var status = "f3edge: press Start"
    @Published private(set) var running = false
    private let engine = AVAudioEngine()
    private let player = AVAudioPlayerNode()
    private let queue = DispatchQueue(label: "f3edge.stream")
    private var tapInstalled = false
    // owned by `queue`
    private var encoder: EncoderSession?
    private var decoder: DecoderSession?
    private var wav: AVAudioFile?
    private var outFormat: AVAudioFormat?
    private var frames = 0
    private var encStats = StepStats(), decStats = StepStats()

    func start() {
        guard !running else { return }
        do {
            let manifest = try loadManifest()
            let encRunner = try CoreMLStepRunner(compiledModelURL: try compiled(manifest.encoder), part: manifest.encoder)
            let decRunner = try CoreMLStepRunner(compiledModelURL: try compiled(manifest.decoder), part: manifest.decoder)
            let target = AVAudioFormat(commonFormat: .pcmFormatFloat32, sampleRate: Double(manifest.sampleRate),
                                       channels: 1, interleaved: false)!
            let wavURL = FileManager.default.urls(for: .documentDirectory, in: .userDomainMask)[0]
                .appendingPathComponent("f3edge-decoded.wav")
            let file = try AVAudioFile(forWriting: wavURL, settings: target.settings)
            try AVAudioSession.sharedInstance().setCategory(.playAndRecord, mode: .measurement, options: [.defaultToSpeaker])
            try AVAudioSession.sharedInstance().setActive(true)
            let input = engine.inputNode
            let inFormat = input.outputFormat(forBus: 0)
            guard let converter = AVAudioConverter(from: inFormat, to: target) else {
                throw SessionError.badOutputs("cannot convert \(inFormat) to \(target)")
            }
            if !engine.attachedNodes.contains(player) { engine.attach(player) }
            engine.connect(player, to: engine.mainMixerNode, format: target)
            queue.sync {
                encoder = EncoderSession(runner: encRunner, manifest: manifest)
                decoder = DecoderSession(runner: decRunner, manifest: manifest)
                encoder?.onStep = { [unowned self] in encStats.add($0) }
                decoder?.onStep = { [unowned self] in decStats.add($0) }
                wav = file; outFormat = target; frames = 0
            }
            if tapInstalled { input.removeTap(onBus: 0) }
            input.installTap(onBus: 0, bufferSize: 4096, format: inFormat) { [weak self] buffer, _ in
                guard let samples = Self.convert(buffer, with: converter, to: target) else { return }
                self?.queue.async { self?.process(samples) }
            }
            tapInstalled = true
            try engine.start()
            player.play()
            running = true
            status = "listening (\(manifest.modelId), \(manifest.latentSpace))"
        } catch {
            if tapInstalled { engine.inputNode.removeTap(onBus: 0); tapInstalled = false }
            engine.stop()
            status = "error: \(error)"
        }
    }

    func stop() {
        guard running else { return }
        engine.inputNode.removeTap(onBus: 0)
        tapInstalled = false
        running = false
        queue.async { self.finish() }
    }

    private func loadManifest() throws -> StreamManifest {
        guard let url = Bundle.main.url(forResource: "manifest", withExtension: "json") else {
            throw ManifestError(description: "add Models/manifest.json and the .mlpackage files from `f3edge export --target coreml`")
        }
        return try StreamManifest(json: Data(contentsOf: url))
    }

    private func compiled(_ part: PartSpec) throws -> URL {
        let name = (part.file as NSString).deletingPathExtension
        guard let url = Bundle.main.url(forResource: name, withExtension: "mlmodelc") else {
            throw ManifestError(description: "missing compiled \(name).mlmodelc in the app bundle")
        }
        return url
    }

    private static func convert(_ buffer: AVAudioPCMBuffer, with converter: AVAudioConverter, to target: AVAudioFormat) -> [Float]? {
        let ratio = target.sampleRate / buffer.format.sampleRate
        guard let out = AVAudioPCMBuffer(pcmFormat: target, frameCapacity: AVAudioFrameCount(Double(buffer.frameLength) * ratio) + 64) else { return nil }
        var fed = false
        converter.convert(to: out, error: nil) { _, status in
            if fed { status.pointee = .noDataNow; return nil }
            fed = true
            status.pointee = .haveData
            return buffer
        }
        return Array(UnsafeBufferPointer(start: out.floatChannelData![0], count: Int(out.frameLength)))
    }

    private func process(_ samples: [Float]) {
        guard let encoder, let decoder else { return }
        do {
            let latents = try encoder.push(samples)
            frames += latents.count
            output(try decoder.push(latents))
            if let last = latents.last { report(last) }
        } catch {
            DispatchQueue.main.async { self.status = "error: \(error)"; self.stop() }
        }
    }

    private func finish() {
        guard let encoder, let decoder else { return }
        do {   // end of stream: the last partial chunk, the lookahead frames and the decoder's overlap-add tail
            let tail = try encoder.flush()
            frames += tail.count
            output(try decoder.push(tail))
            output(try decoder.flush())
            report(nil, suffix: "\nsaved f3edge-decoded.wav")
        } catch {
            DispatchQueue.main.async { self.status = "error: \(error)" }
        }
        wav = nil   // AVAudioFile finalizes the header when released
        self.encoder = nil
        self.decoder = nil
        DispatchQueue.main.async { self.engine.stop(); self.player.stop() }
    }

    private func output(_ audio: [Float]) {
        guard !audio.isEmpty, let format = outFormat,
              let buffer = AVAudioPCMBuffer(pcmFormat: format, frameCapacity: AVAudioFrameCount(audio.count)) else { return }
        buffer.frameLength = AVAudioFrameCount(audio.count)
        audio.withUnsafeBufferPointer { buffer.floatChannelData![0].update(from: $0.baseAddress!, count: audio.count) }
        player.scheduleBuffer(buffer)
        try? wav?.write(from: buffer)
    }

    private func report(_ last: [Float]?, suffix: String = "") {
        guard let m = encoder?.manifest ?? decoder?.manifest else { return }
        let step = Double(m.chunkSamples) / Double(m.sampleRate)
        let rtf = (encStats.percentileMs(0.5) + decStats.percentileMs(0.5)) / 1000 / step
        var text = String(format: "model %@ (%@ %@)\nframes %d (%d-d)\nencode p50 %.2f ms p99 %.2f ms\ndecode p50 %.2f ms p99 %.2f ms per %.0f ms\nRTF encode+decode %.3f",
                          m.modelId, m.runtime, m.precision, frames, m.latentDim, encStats.percentileMs(0.5),
                          encStats.percentileMs(0.99), decStats.percentileMs(0.5), decStats.percentileMs(0.99), 1000 * step, rtf)
        if let last { text += "\nlatent[0..7] " + last.prefix(8).map { String(format: "%+.2f", $0) }.joined(separator: " ") }
        text += suffix
        DispatchQueue.main.async { self.status = text }
    }
}

struct ContentView: View {
    @StateObject private var demo = DemoModel()

    var body: some View {
        VStack(alignment: .leading, spacing: 16) {
            Button(demo.running ? "Stop" : "Start") { demo.running ? demo.stop() : demo.start() }
            Text(demo.status).font(.system(.body, design: .monospaced))
            Spacer()
        }
        .padding()
    }
}
