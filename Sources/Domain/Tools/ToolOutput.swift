import Foundation

/// Decoding and re-encoding of a tool's JSON output. The stored `result_json` is re-encoded from
/// the typed value, so it has exactly the tool's fields whatever the model added.
enum ToolOutput {
    static func decode<T: Decodable>(_ type: T.Type, from content: String) -> Result<T, OutputProblems> {
        let data = Data(content.utf8)
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
            return .failure(OutputProblems(["the answer is not a JSON object"]))
        }
        do {
            return .success(try JSONDecoder().decode(T.self, from: data))
        } catch let DecodingError.keyNotFound(key, context) {
            return .failure(OutputProblems(["missing field \(path(context.codingPath + [key]))"]))
        } catch let DecodingError.typeMismatch(_, context) {
            return .failure(OutputProblems(["wrong type at \(path(context.codingPath))"]))
        } catch let DecodingError.valueNotFound(_, context) {
            return .failure(OutputProblems(["null at \(path(context.codingPath))"]))
        } catch {
            return .failure(OutputProblems(["the answer does not follow the schema"]))
        }
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { preconditionFailure("tool outputs are plain values") }
        return String(decoding: data, as: UTF8.self)
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }

    /// Problems of a list's length, and of its blank strings.
    static func count(_ name: String, _ count: Int, _ range: ClosedRange<Int>, into problems: inout [String]) {
        if !range.contains(count) {
            problems.append("\(name) must have \(range.lowerBound)–\(range.upperBound) entries (got \(count))")
        }
    }

    static func text(_ name: String, _ value: String, into problems: inout [String]) {
        if !RunService.hasVisibleText(value) { problems.append("\(name) must not be empty") }
    }
}

/// Text compared for grounding: lower case, every run of white space one space, trimmed.
enum GroundingText {
    static func normalized(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.unicodeScalars.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
