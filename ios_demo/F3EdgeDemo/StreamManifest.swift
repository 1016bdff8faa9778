import Foundation

/// The parts of an f3edge export's manifest.json the app needs (nothing about the model is hard-coded).
struct TensorSpec: Decodable {
    let name: String
    let shape: [Int]
}

struct PartSpec: Decodable {
    let file: String
    let inputs: [TensorSpec]
    let outputs: [TensorSpec]
}

struct StreamManifest: Decodable {
    let format_version: Int
    let model_id: String
    let runtime: String
    let sample_rate: Int
    let chunk_samples: Int
    let lookahead_frames: Int
    let latent_dim: Int
    let encoder: PartSpec

    static func load(from url: URL) throws -> StreamManifest {
        let m = try JSONDecoder().decode(StreamManifest.self, from: Data(contentsOf: url))
        guard m.format_version == 1, m.runtime == "coreml" else {
            throw NSError(domain: "f3edge", code: 1, userInfo: [NSLocalizedDescriptionKey: "need a Core ML export (format 1)"])
        }
        return m
    }
}
