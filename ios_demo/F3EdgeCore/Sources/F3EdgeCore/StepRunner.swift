/// One exported step graph behind one call: inputs and outputs are flat Float arrays in the manifest's
/// order and shapes (inputs = x, *states; outputs = y, *new_states). The app wraps Core ML in it; tests
/// replay golden traces or run ONNX Runtime through it.
public protocol StepRunner {
    func run(_ inputs: [[Float]]) throws -> [[Float]]
}
