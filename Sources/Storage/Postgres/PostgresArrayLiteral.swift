/// A PostgreSQL array in its text form (`{"a","b",NULL}`), so that a batch of rows travels as one
/// parameter per column and `unnest` turns the columns back into rows: one statement text, prepared
/// once, for every batch size.
enum PostgresArrayLiteral {
    /// Every element quoted, so that no text (empty, `NULL`, braces, commas, spaces) can be read as
    /// anything but itself; inside quotes only `"` and `\` need a backslash.
    static func texts(_ values: [String?]) -> String {
        var literal = "{"
        literal.reserveCapacity(2 + values.reduce(0) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, value) in values.enumerated() {
            if index > 0 { literal.append(",") }
            guard let value else {
                literal.append("NULL")
                continue
            }
            literal.append("\"")
            for character in value.unicodeScalars {
                if character == "\"" || character == "\\" { literal.append("\\") }
                literal.unicodeScalars.append(character)
            }
            literal.append("\"")
        }
        literal.append("}")
        return literal
    }

    static func integers(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}
