import AVFoundation
import SwiftUI

/// Microphone -> 16 kHz mono -> streaming Core ML encoder; shows frames, step time and the latest latent.
final class DemoModel: ObservableObject {
    @Published var status = "f3edge: press Start"
    private let engine = AVAudioEngine()
    private var encoder: StreamingEncoder?
    private var converter: AVAudioConverter?
    private var frames = 0
    private var stepMs: [Double] = []

    func start() {
        do {
            guard let man = Bundle.main.url(forResource: "manifest", withExtension: "json") else {
                status = "add Models/manifest.json + encoder.mlpackage from `f3edge export --target coreml`"; return
            }
            let manifest = try StreamManifest.load(from: man)
            let name = (manifest.encoder.file as NSString).deletingPathExtension
            guard let compiled = Bundle.main.url(forResource: name, withExtension: "mlmodelc") else {
                status = "missing compiled \(name).mlmodelc"; return
            }
            encoder = try StreamingEncoder(manifest: manifest, compiledModelURL: compiled)
            try AVAudioSession.sharedInstance().setCategory(.record, mode: .measurement)
            try AVAudioSession.sharedInstance().setActive(true)
            let input = engine.inputNode
            let inFormat = input.outputFormat(forBus: 0)
            let target = AVAudioFormat(commonFormat: .pcmFormatFloat32, sampleRate: Double(manifest.sample_rate),
                                       channels: 1, interleaved: false)!
            converter = AVAudioConverter(from: inFormat, to: target)
            input.installTap(onBus: 0, bufferSize: 4096, format: inFormat) { [weak self] buffer, _ in
                self?.process(buffer, target: target)
            }
            try engine.start()
            status = "listening (\(manifest.model_id))"
        } catch {
            status = "error: \(error.localizedDescription)"
        }
    }

    func stop() {
        engine.inputNode.removeTap(onBus: 0)
        engine.stop()
    }

    private func process(_ buffer: AVAudioPCMBuffer, target: AVAudioFormat) {
        guard let converter, let encoder else { return }
        let ratio = target.sampleRate / buffer.format.sampleRate
        let out = AVAudioPCMBuffer(pcmFormat: target, frameCapacity: AVAudioFrameCount(Double(buffer.frameLength) * ratio) + 64)!
        var fed = false
        converter.convert(to: out, error: nil) { _, status in
            if fed { status.pointee = .noDataNow; return nil }
            fed = true
            status.pointee = .haveData
            return buffer
        }
        let samples = Array(UnsafeBufferPointer(start: out.floatChannelData![0], count: Int(out.frameLength)))
        guard let (latents, times) = try? encoder.push(samples) else { return }
        frames += latents.count
        stepMs.append(contentsOf: times)
        guard let last = latents.last else { return }
        let recent = stepMs.suffix(200).sorted()
        let p50 = recent[recent.count / 2], p99 = recent[recent.count * 99 / 100]
        let m = encoder.manifest
        let text = String(format: "model %@\nframes %d (%d-d)\nstep p50 %.2f ms  p99 %.2f ms per %d ms chunk\nlatent[0..7] %@",
                          m.model_id, frames, m.latent_dim, p50, p99, 1000 * m.chunk_samples / m.sample_rate,
                          last.prefix(8).map { String(format: "%+.2f", $0) }.joined(separator: " "))
        DispatchQueue.main.async { self.status = text }
    }
}

struct ContentView: View {
    @StateObject private var demo = DemoModel()
    @State private var running = false

    var body: some View {
        VStack(alignment: .leading, spacing: 16) {
            Button(running ? "Stop" : "Start") {
                running ? demo.stop() : demo.start()
                running.toggle()
            }
            Text(demo.status).font(.system(.body, design: .monospaced))
            Spacer()
        }
        .padding()
    }
}
