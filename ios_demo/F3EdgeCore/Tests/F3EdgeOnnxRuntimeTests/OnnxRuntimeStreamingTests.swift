import F3EdgeCore
import Foundation
import XCTest

/// The Swift core over the real ONNX Runtime (Debian's 1.21, C API) with the golden onnx-int8 models of the
/// default student: the same calls as the Python runtime (which ran onnxruntime 1.31) give the same numbers.
final class OnnxRuntimeStreamingTests: XCTestCase {
    static let dir: URL = {
        let root = ProcessInfo.processInfo.environment["F3EDGE_GOLDEN"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../../tests/golden").standardizedFileURL
        return root.appendingPathComponent("onnx-int8")
    }()

    func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: Self.dir.appendingPathComponent(name))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    func trace() throws -> (StreamManifest, [String: Any]) {
        let manifest = try StreamManifest(json: Data(contentsOf: Self.dir.appendingPathComponent("manifest.json")))
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.dir.appendingPathComponent("trace.json"))) as! [String: Any]
        return (manifest, index)
    }

    static func maxAbs(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }
    static func snrDb(_ ref: [Float], _ x: [Float]) -> Double {
        let signal = ref.reduce(0.0) { $0 + Double($1 * $1) }
        let noise = zip(ref, x).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        return noise == 0 ? .infinity : 10 * log10(signal / noise)
    }

    func testEachRecordedCallGivesTheRecordedOutputs() throws {
        let (m, index) = try trace()
        for (label, part) in [("encoder", m.encoder), ("decoder", m.decoder)] {
            let runner = try OnnxRuntimeRunner(model: Self.dir.appendingPathComponent(part.file), part: part)
            let flat = try floats("\(label)_steps.f32")
            let calls = (index["\(label)_calls"] as! NSNumber).intValue
            let per = (part.inputs + part.outputs).reduce(0) { $0 + $1.count }
            XCTAssertEqual(flat.count, calls * per)
            var worst: Float = 0
            for c in 0..<calls {
                var pos = c * per
                let ins = part.inputs.map { spec -> [Float] in defer { pos += spec.count }; return Array(flat[pos..<pos + spec.count]) }
                let want = part.outputs.map { spec -> [Float] in defer { pos += spec.count }; return Array(flat[pos..<pos + spec.count]) }
                let got = try runner.run(ins)
                for k in want.indices { worst = max(worst, Self.maxAbs(got[k], want[k])) }
            }
            print("\(label): max |ORT 1.21 (Swift) - ORT 1.31 (Python)| over \(calls) calls = \(worst)")
            XCTAssertLessThanOrEqual(worst, 1e-6, "\(label) outputs differ from the Python runtime's")
        }
    }

    func testEncodeThenDecodeThroughTheCoreReproducesThePythonRuntime() throws {
        let (m, _) = try trace()
        let enc = EncoderSession(runner: try OnnxRuntimeRunner(model: Self.dir.appendingPathComponent(m.encoder.file), part: m.encoder), manifest: m)
        let dec = DecoderSession(runner: try OnnxRuntimeRunner(model: Self.dir.appendingPathComponent(m.decoder.file), part: m.decoder), manifest: m)
        let audio = try floats("audio.f32")
        let latents = try enc.push(audio) + enc.flush()
        let decoded = try dec.push(latents) + dec.flush()
        let zSnr = Self.snrDb(try floats("latents.f32"), latents.flatMap { $0 })
        let ySnr = Self.snrDb(try floats("decoded.f32"), decoded)
        print(String(format: "Swift core + ORT 1.21 vs Python runtime: latent SNR %.1f dB, audio SNR %.1f dB", zSnr, ySnr))
        XCTAssertEqual(decoded.count, try floats("decoded.f32").count)
        XCTAssertGreaterThanOrEqual(zSnr, 100)
        XCTAssertGreaterThanOrEqual(ySnr, 100)
    }
}
