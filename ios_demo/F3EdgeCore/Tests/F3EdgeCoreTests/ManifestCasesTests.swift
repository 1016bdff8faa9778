import Foundation
import XCTest
@testable import F3EdgeCore

/// Every case of tests/golden/manifest_cases.json: this parser must reach f3edge.runtimes.manifest's verdict.
final class ManifestCasesTests: XCTestCase {
    func testTheSwiftParserAgreesWithThePythonRulesOnEveryCase() throws {
        let url = GoldenTrace.root.appendingPathComponent("manifest_cases.json")
        let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 30)
        var disagreements: [String] = []
        for c in cases {
            let text = c["manifest_json"] as! String
            let accepted = (try? StreamManifest(json: Data(text.utf8))) != nil
            let valid = (c["valid"] as! NSNumber).boolValue
            if accepted != valid { disagreements.append("\(c["name"]!): Python says \(valid)") }
        }
        XCTAssertTrue(disagreements.isEmpty, disagreements.joined(separator: "; "))
    }
}
