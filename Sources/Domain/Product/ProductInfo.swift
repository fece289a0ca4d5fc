/// What this build is.
public enum ProductInfo {
    public static let name = "CareerAI"
    public static let version = "0.1.0"
}
