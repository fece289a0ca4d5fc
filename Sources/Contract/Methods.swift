/// The namespace of every method descriptor of the API: `Methods.RunService.startJobPack`. The
/// descriptors themselves are generated from `Proto/` (see `Generated/`).
public enum Methods {}
