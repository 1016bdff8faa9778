import Foundation
import XCTest
@testable import F3EdgeCore

/// A golden trace written by `python -m f3edge.runtimes.golden_trace` from a real export of the default student.
struct GoldenTrace {
    static let root: URL = {
        if let dir = ProcessInfo.processInfo.environment["F3EDGE_GOLDEN"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()   // Tests/F3EdgeCoreTests
            .appendingPathComponent("../../../../tests/golden").standardizedFileURL
    }()

    static func all() throws -> [GoldenTrace] {
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        return try names.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/trace.json").path) }
            .map { try GoldenTrace(dir: root.appendingPathComponent($0)) }
    }

    let dir: URL
    let manifest: StreamManifest
    let index: [String: Any]

    init(dir: URL) throws {
        self.dir = dir
        manifest = try StreamManifest(json: Data(contentsOf: dir.appendingPathComponent("manifest.json")))
        index = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("trace.json"))) as! [String: Any]
    }

    var name: String { dir.lastPathComponent }

    func floats(_ file: String) throws -> [Float] {
        let data = try Data(contentsOf: dir.appendingPathComponent(file))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    func ints(_ key: String) -> [Int] { (index[key] as! [Any]).map { ($0 as! NSNumber).intValue } }
    func int(_ key: String) -> Int { (index[key] as! NSNumber).intValue }

    /// Each recorded call as (inputs, outputs), cut by the manifest's shapes.
    func calls(_ part: PartSpec, _ file: String, _ count: Int) throws -> [([[Float]], [[Float]])] {
        let flat = try floats(file)
        var pos = 0
        func take(_ n: Int) -> [Float] { defer { pos += n }; return Array(flat[pos..<pos + n]) }
        let calls = (0..<count).map { _ in (part.inputs.map { take($0.count) }, part.outputs.map { take($0.count) }) }
        XCTAssertEqual(pos, flat.count, "\(file) holds exactly the recorded calls")
        return calls
    }
}

/// Answers each call with the recorded outputs after checking the session sent exactly the recorded inputs.
final class ReplayRunner: StepRunner {
    let label: String
    let calls: [([[Float]], [[Float]])]
    var used = 0

    init(_ label: String, _ calls: [([[Float]], [[Float]])]) { self.label = label; self.calls = calls }

    func run(_ inputs: [[Float]]) throws -> [[Float]] {
        guard used < calls.count else { XCTFail("\(label): call \(used + 1), the trace recorded \(calls.count)"); return [] }
        let (want, outputs) = calls[used]
        XCTAssertEqual(inputs.count, want.count, "\(label) call \(used): number of inputs")
        for k in 0..<min(want.count, inputs.count) {
            XCTAssertTrue(inputs[k] == want[k], "\(label) call \(used) input \(k) differs from the trace")
        }
        used += 1
        return outputs
    }
}

final class GoldenTraceTests: XCTestCase {
    func testARunnerGivingTheWrongOutputsIsAnError() throws {
        struct Short: StepRunner {
            func run(_ inputs: [[Float]]) throws -> [[Float]] { [[Float](repeating: 0, count: 64)] }
        }
        let t = try GoldenTrace.all()[0]
        let session = EncoderSession(runner: Short(), manifest: t.manifest)
        XCTAssertThrowsError(try session.push([Float](repeating: 0, count: t.manifest.chunkSamples)))
    }

    func testTracesArePresent() throws {
        XCTAssertGreaterThanOrEqual(try GoldenTrace.all().count, 2, "no golden traces under \(GoldenTrace.root.path)")
    }

    func testEncoderSessionFeedsTheRecordedInputsAndReturnsTheRecordedLatents() throws {
        for t in try GoldenTrace.all() {
            let runner = ReplayRunner("\(t.name) encoder", try t.calls(t.manifest.encoder, "encoder_steps.f32", t.int("encoder_calls")))
            let audio = try t.floats("audio.f32")
            let session = EncoderSession(runner: runner, manifest: t.manifest)
            var frames: [[Float]] = []
            var pos = 0
            for n in t.ints("audio_pushes") {
                frames += try session.push(Array(audio[pos..<pos + n])); pos += n
            }
            frames += try session.flush()
            XCTAssertEqual(runner.used, t.int("encoder_calls"), "\(t.name): every recorded encoder call made")
            XCTAssertTrue(frames.flatMap { $0 } == (try t.floats("latents.f32")), "\(t.name): latents differ")
        }
    }

    func testDecoderSessionReturnsTheRecordedAudioWithDelayAndTail() throws {
        for t in try GoldenTrace.all() {
            let runner = ReplayRunner("\(t.name) decoder", try t.calls(t.manifest.decoder, "decoder_steps.f32", t.int("decoder_calls")))
            let z = try t.floats("latents.f32")
            let dim = t.manifest.latentDim
            let session = DecoderSession(runner: runner, manifest: t.manifest)
            var audio: [Float] = []
            var frame = 0
            for n in t.ints("latent_pushes") {
                audio += try session.push((frame..<frame + n).map { Array(z[$0 * dim..<($0 + 1) * dim]) }); frame += n
            }
            audio += try session.flush()
            XCTAssertEqual(runner.used, t.int("decoder_calls"), "\(t.name): every recorded decoder call made")
            XCTAssertTrue(audio == (try t.floats("decoded.f32")), "\(t.name): decoded audio differs")
        }
    }

    func testPushAfterFlushIsRefused() throws {
        let t = try GoldenTrace.all()[0]
        struct Zeros: StepRunner {
            let part: PartSpec
            func run(_ inputs: [[Float]]) throws -> [[Float]] { part.outputs.map { [Float](repeating: 0, count: $0.count) } }
        }
        let session = EncoderSession(runner: Zeros(part: t.manifest.encoder), manifest: t.manifest)
        XCTAssertEqual(try session.flush().count, 0, "lookahead warm-up frames are dropped")
        XCTAssertThrowsError(try session.push([0]))
    }
}
