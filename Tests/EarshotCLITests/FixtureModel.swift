import EarshotDSP
import Foundation

/// A model file assembled from the shared fixtures only (this test target links EarshotDSP, not the NN
/// engine): the Keras reference CNN's seeded weights + the librosa mel filterbank + the spec's feature
/// parameters. It is a test model, never the shipped default.
enum FixtureModel {
    static let layersJSON = """
    [{"kernel":3,"name":"conv1","out":16,"type":"conv2d"},{"eps":0.001,"momentum":0.99,"name":"bn1","type":"batchnorm"},{"type":"relu"},{"type":"maxpool2"},\
    {"kernel":3,"name":"conv2","out":32,"type":"conv2d"},{"eps":0.001,"momentum":0.99,"name":"bn2","type":"batchnorm"},{"type":"relu"},{"type":"maxpool2"},\
    {"kernel":3,"name":"conv3","out":64,"type":"conv2d"},{"eps":0.001,"momentum":0.99,"name":"bn3","type":"batchnorm"},{"type":"relu"},{"type":"maxpool2"},\
    {"kernel":3,"name":"conv4","out":64,"type":"conv2d"},{"type":"relu"},{"type":"gap"},\
    {"name":"fc1","out":32,"type":"dense"},{"type":"relu"},{"name":"fc2","out":2,"type":"dense"}]
    """

    /// Writes the model to `dir/fixture-model.safetensors` with the given threshold and `extra` metadata.
    static func write(to dir: URL, threshold: Float = 0.5, extra: [String: String] = [:]) throws -> URL {
        let cnn = try Safetensors(contentsOf: TestPaths.fixtures.appendingPathComponent("cnn_reference.safetensors"))
        let lm = try Safetensors(contentsOf: TestPaths.fixtures.appendingPathComponent("logmel_reference.safetensors"))
        var meta = FeatureConfig().metadata
        meta["format"] = "earshot-model"
        meta["format_version"] = "1"
        meta["layers"] = layersJSON
        meta["input_shape"] = "[1,64,96]"
        meta["classes"] = "[\"other\",\"gunshot\"]"
        meta["threshold"] = String(threshold)
        meta["train.data"] = "shared fixtures (Keras reference CNN, seeded weights)"
        meta.merge(extra) { _, new in new }
        var w = SafetensorsWriter(metadata: meta)
        for (name, info) in cnn.tensors.sorted(by: { $0.key < $1.key }) where name.contains(".") && !name.hasPrefix("grad.") && !name.hasPrefix("train.") {
            w.add(name, shape: info.shape, floats: try cnn.floats(name))
        }
        w.add("mel_filterbank", shape: [64, 257], floats: try lm.floats("mel_filterbank"))
        let url = dir.appendingPathComponent("fixture-model.safetensors")
        try w.write(to: url)
        return url
    }
}
