import Foundation
import XCTest
@testable import F3EdgeCore

final class ManifestTests: XCTestCase {
    func manifestObject() throws -> [String: Any] {
        let url = try GoldenTrace.all()[0].dir.appendingPathComponent("manifest.json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    func refused(_ edit: (inout [String: Any]) -> Void, _ expect: String, file: StaticString = #filePath, line: UInt = #line) throws {
        var m = try manifestObject()
        edit(&m)
        let data = try JSONSerialization.data(withJSONObject: m)
        XCTAssertThrowsError(try StreamManifest(json: data), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(expect), "'\(error)' should mention '\(expect)'", file: file, line: line)
        }
    }

    func testTheExportedManifestParses() throws {
        let m = try StreamManifest(json: JSONSerialization.data(withJSONObject: manifestObject()))
        XCTAssertEqual(m.chunkSamples, 640)
        XCTAssertEqual(m.latentDim, 64)
        XCTAssertEqual(m.decoder.states.last?.count, m.synthesisDelaySamples)
    }

    func testMissingWrongTypedAndOutOfRangeValuesAreRefused() throws {
        try refused({ $0.removeValue(forKey: "chunk_samples") }, "chunk_samples")
        try refused({ $0["chunk_samples"] = "640" }, "chunk_samples")
        try refused({ $0["chunk_samples"] = 640.5 }, "chunk_samples")
        try refused({ $0["lookahead_frames"] = true }, "lookahead_frames")
        try refused({ $0["lookahead_frames"] = -1 }, "lookahead_frames")
        try refused({ $0["lookahead_frames"] = 10_000_000 }, "lookahead_frames")
        try refused({ $0["sample_rate"] = 1 }, "sample_rate")
        try refused({ $0["format_version"] = 2 }, "format_version")
        try refused({ $0["synthesis_delay_samples"] = 481 }, "synthesis_delay_samples")
    }

    func testFilesMustBePlainNamesInsideTheFolder() throws {
        for bad in ["../encoder.pte", "/etc/passwd", "a/b.pte", ".hidden", ".."] {
            try refused({ m in
                var enc = m["encoder"] as! [String: Any]; enc["file"] = bad; m["encoder"] = enc
            }, "plain file name")
        }
    }

    func testShapesAreCheckedAgainstTheContract() throws {
        try refused({ m in
            var enc = m["encoder"] as! [String: Any]
            var inputs = enc["inputs"] as! [[String: Any]]
            inputs[0]["shape"] = [1, 1, 641]; enc["inputs"] = inputs; m["encoder"] = enc
        }, "encoder input")
        try refused({ m in
            var enc = m["encoder"] as! [String: Any]
            var outputs = enc["outputs"] as! [[String: Any]]
            outputs[2]["shape"] = [1, 128, 7]; enc["outputs"] = outputs; m["encoder"] = enc
        }, "state")
        try refused({ m in
            var dec = m["decoder"] as! [String: Any]
            var inputs = dec["inputs"] as! [[String: Any]]
            inputs[1]["shape"] = [1, -1]; dec["inputs"] = inputs; m["decoder"] = dec
        }, "bad shape")
    }
}
