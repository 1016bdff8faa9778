import CoreML
import F3EdgeCore
import Foundation

/// Core ML behind the core's StepRunner: predict(x, *states) -> (y, *new_states), tensors named as in the
/// manifest. Outputs are read through MLShapedArray, which honours the array's strides (Core ML may return
/// padded, non-contiguous buffers) and converts fp16 outputs to Float.
final class CoreMLStepRunner: StepRunner {
    private let model: MLModel
    private let part: PartSpec

    init(compiledModelURL: URL, part: PartSpec) throws {
        let config = MLModelConfiguration()
        config.computeUnits = .all          // lets Core ML place the graph on the Neural Engine
        model = try MLModel(contentsOf: compiledModelURL, configuration: config)
        self.part = part
    }

    func run(_ inputs: [[Float]]) throws -> [[Float]] {
        var features: [String: MLFeatureValue] = [:]
        for (k, spec) in part.inputs.enumerated() {
            let array = MLMultiArray(MLShapedArray<Float>(scalars: inputs[k], shape: spec.shape))
            features[spec.name] = MLFeatureValue(multiArray: array)
        }
        let out = try model.prediction(from: MLDictionaryFeatureProvider(dictionary: features))
        return try part.outputs.map { spec in
            guard let array = out.featureValue(for: spec.name)?.multiArrayValue else {
                throw SessionError.badOutputs("Core ML model has no output \(spec.name)")
            }
            switch array.dataType {
            case .float32: return MLShapedArray<Float>(array).scalars
            case .float16: return MLShapedArray<Float16>(array).scalars.map { Float($0) }
            default: throw SessionError.badOutputs("output \(spec.name) has data type \(array.dataType.rawValue), expected float")
            }
        }
    }
}
