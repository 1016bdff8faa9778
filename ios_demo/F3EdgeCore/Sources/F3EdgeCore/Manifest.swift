import Foundation

/// A manifest that cannot be used; the message names the field, as f3edge's Python runtimes do.
public struct ManifestError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
    public init(description: String) { self.description = description }
}

/// One tensor of a step graph: its name and static shape.
public struct TensorSpec {
    public let name: String
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }
}

/// One step graph: inputs = (x, *states), outputs = (y, *new_states).
public struct PartSpec {
    public let file: String
    public let inputs: [TensorSpec]
    public let outputs: [TensorSpec]
    public let sha256: String?
    public var states: ArraySlice<TensorSpec> { inputs.dropFirst() }
}

/// The deploy contract of an f3edge export (`manifest.json`, format_version 1), mirrored from
/// `f3edge.runtimes.manifest`: every value the streaming loops use is read here and bounded.
public struct StreamManifest {
    public static let formatVersion = 1
    public static let maxTensorElements = 1 << 24

    public let modelId: String
    public let runtime: String
    public let precision: String
    public let latentSpace: String
    public let sampleRate: Int
    public let chunkSamples: Int
    public let lookaheadFrames: Int
    public let latentDim: Int
    public let synthesisDelaySamples: Int
    public let encoder: PartSpec
    public let decoder: PartSpec

    // The rules of f3edge.runtimes.manifest (BOUNDS, STRINGS), mirrored; tests/golden/manifest_cases.json
    // holds that module's verdicts and ManifestCasesTests checks this parser reaches the same ones.
    static let requiredStrings = ["model_id", "checkpoint_sha256", "target", "runtime", "precision"]

    public init(json data: Data) throws {
        guard let m = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ManifestError("manifest.json is not a JSON object")
        }
        let version = try Self.int(m, "format_version", 1, 1000)
        guard version == Self.formatVersion else { throw ManifestError("unsupported manifest format_version \(version)") }
        sampleRate = try Self.int(m, "sample_rate", 8000, 192_000)
        let hop = try Self.int(m, "hop", 1, 96_000)
        chunkSamples = try Self.int(m, "chunk_samples", 1, 96_000)
        guard chunkSamples == hop else { throw ManifestError("chunk_samples must equal hop (one step = one latent frame)") }
        latentDim = try Self.int(m, "latent_dim", 1, 4096)
        lookaheadFrames = try Self.int(m, "lookahead_frames", 0, 8)
        synthesisDelaySamples = try Self.int(m, "synthesis_delay_samples", 0, 96_000)
        guard synthesisDelaySamples < 16 * hop else {
            throw ManifestError("synthesis_delay_samples \(synthesisDelaySamples) is implausible for hop \(hop)")
        }
        for key in Self.requiredStrings { _ = try Self.string(m, key) }
        modelId = try Self.string(m, "model_id")
        runtime = try Self.string(m, "runtime")
        precision = try Self.string(m, "precision")
        latentSpace = m["latent_space"] == nil ? "f3-v1" : try Self.string(m, "latent_space")
        encoder = try Self.part(m, "encoder")
        decoder = try Self.part(m, "decoder")
        try checkShapes()
    }

    /// Model files are plain names inside the artifact folder: never a path that leaves it.
    public static func plainFileName(_ name: String) throws -> String {
        if name.isEmpty || name == "." || name == ".." || name.hasPrefix(".") || name.contains("/")
            || name.contains("\\") || name.contains("\u{0}") {
            throw ManifestError("file '\(name)' must be a plain file name inside the artifact folder")
        }
        return name
    }

    static func int(_ o: [String: Any], _ key: String, _ lo: Int, _ hi: Int) throws -> Int {
        guard let raw = o[key] else { throw ManifestError("manifest has no \(key)") }
        guard let v = exactInt(raw) else { throw ManifestError("manifest \(key) must be an integer, not \(raw)") }
        guard v >= lo && v <= hi else { throw ManifestError("manifest \(key)=\(v) is outside [\(lo), \(hi)]") }
        return v
    }

    /// JSONSerialization gives NSNumber for every number and for true/false: accept only integers.
    static func exactInt(_ raw: Any) -> Int? {
        guard let n = raw as? NSNumber else { return nil }
        let type = String(cString: n.objCType)
        if type == "c" || type == "B" { return nil }   // a JSON boolean
        if type == "d" || type == "f" { return nil }   // a JSON number written with a fraction or exponent
        let d = n.doubleValue
        guard d.rounded() == d, abs(d) < 1e15 else { return nil }
        return n.intValue
    }

    static func string(_ o: [String: Any], _ key: String) throws -> String {
        guard let raw = o[key] else { throw ManifestError("manifest has no \(key)") }
        guard let s = raw as? String, !s.isEmpty else { throw ManifestError("manifest \(key) must be a non-empty string") }
        return s
    }

    static func tensors(_ o: [String: Any], _ part: String, _ key: String) throws -> [TensorSpec] {
        guard let arr = o[key] as? [Any] else { throw ManifestError("\(part) has no \(key) list") }
        guard !arr.isEmpty else { throw ManifestError("\(part).\(key) is empty") }
        return try arr.enumerated().map { i, item in
            guard let t = item as? [String: Any] else { throw ManifestError("\(part).\(key)[\(i)] is not an object") }
            guard let name = t["name"] as? String else { throw ManifestError("\(part).\(key)[\(i)] has no name") }
            guard let raw = t["shape"] as? [Any], !raw.isEmpty else { throw ManifestError("\(part) tensor \(name) has no shape") }
            let shape = raw.map { exactInt($0) ?? -1 }
            var n = 1
            for v in shape {
                guard v >= 1 && v <= maxTensorElements else { throw ManifestError("\(part) tensor \(name) has a bad shape \(raw)") }
                n *= v
                guard n <= maxTensorElements else { throw ManifestError("\(part) tensor \(name) has a bad shape \(raw)") }
            }
            return TensorSpec(name: name, shape: shape)
        }
    }

    static func part(_ m: [String: Any], _ name: String) throws -> PartSpec {
        guard let o = m[name] as? [String: Any] else { throw ManifestError("manifest has no \(name)") }
        return PartSpec(file: try plainFileName(try string(o, "file")), inputs: try tensors(o, name, "inputs"),
                        outputs: try tensors(o, name, "outputs"), sha256: o["sha256"] as? String)
    }

    /// x = [1,1,chunk] -> latent [1,D,1]; latent [1,D,1] -> audio [1,1,chunk]; states come back with their shapes.
    func checkShapes() throws {
        try expect(encoder.inputs[0], [1, 1, chunkSamples], "encoder input")
        try expect(encoder.outputs[0], [1, latentDim, 1], "encoder output")
        try expect(decoder.inputs[0], [1, latentDim, 1], "decoder input")
        try expect(decoder.outputs[0], [1, 1, chunkSamples], "decoder output")
        for (label, p) in [("encoder", encoder), ("decoder", decoder)] {
            guard p.inputs.count == p.outputs.count else {
                throw ManifestError("\(label) has \(p.inputs.count) inputs but \(p.outputs.count) outputs")
            }
            for k in 1..<p.inputs.count where p.inputs[k].shape != p.outputs[k].shape {
                throw ManifestError("\(label) state \(p.inputs[k].name) goes in as \(p.inputs[k].shape) but comes out as \(p.outputs[k].shape)")
            }
        }
        guard let tail = decoder.states.last, tail.count == synthesisDelaySamples else {
            throw ManifestError("decoder's last state does not hold synthesis_delay_samples=\(synthesisDelaySamples) samples")
        }
    }

    func expect(_ t: TensorSpec, _ shape: [Int], _ what: String) throws {
        guard t.shape == shape else { throw ManifestError("\(what) \(t.name) is \(t.shape), the contract needs \(shape)") }
    }
}
