import Foundation

/// A run's result as text to read in a terminal: Job Pack bullets, letter and questions; Skill
/// Mapper's skills as a table, gaps and plan. Unknown shapes are shown as the JSON they are.
enum ResultText {
    static func render(kind: String, json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            return json
        }
        switch kind {
        case "job_pack": return jobPack(object)
        case "skill_mapper": return skillMap(object)
        default: return json
        }
    }

    static func strings(_ value: Any?) -> [String] { (value as? [Any])?.compactMap { $0 as? String } ?? [] }
    static func objects(_ value: Any?) -> [[String: Any]] {
        (value as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
    }

    /// Text wrapped at `width` columns, each line indented.
    static func wrap(_ text: String, indent: String = "  ", width: Int = 88) -> String {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                if !line.isEmpty && line.count + word.count + 1 > width - indent.count {
                    lines.append(indent + line)
                    line = ""
                }
                line += (line.isEmpty ? "" : " ") + word
            }
            lines.append(indent + line)
        }
        return lines.joined(separator: "\n")
    }

    static func jobPack(_ pack: [String: Any]) -> String {
        var out: [String] = []
        if let summary = pack["summary"] as? String { out.append(wrap(summary, indent: "")) }
        out.append("\nResume bullets")
        for bullet in objects(pack["resume_bullets"]) {
            out.append(wrap("• " + (bullet["rewritten"] as? String ?? "")))
            out.append(wrap("from: " + (bullet["source_text"] as? String ?? ""), indent: "      "))
        }
        let letter = pack["cover_letter"] as? [String: Any] ?? [:]
        out.append("\nCover letter")
        out.append(wrap(letter["greeting"] as? String ?? ""))
        for paragraph in strings(letter["paragraphs"]) { out.append("\n" + wrap(paragraph)) }
        out.append("\n" + wrap(letter["closing"] as? String ?? ""))
        out.append("\nInterview questions")
        for (index, question) in objects(pack["interview_questions"]).enumerated() {
            out.append(wrap("\(index + 1). " + (question["question"] as? String ?? "")))
            out.append(wrap("why: " + (question["why_asked"] as? String ?? ""), indent: "     "))
            out.append(wrap("hint: " + (question["answer_hint"] as? String ?? ""), indent: "     "))
        }
        let gaps = strings(pack["gaps"])
        if !gaps.isEmpty { out.append("\nGaps\n" + gaps.map { wrap("• " + $0) }.joined(separator: "\n")) }
        let warnings = strings(pack["warnings"])
        if !warnings.isEmpty { out.append("\nCheck\n" + warnings.map { wrap("! " + $0) }.joined(separator: "\n")) }
        return out.joined(separator: "\n")
    }

    static func skillMap(_ map: [String: Any]) -> String {
        var out: [String] = []
        let skills = objects(map["skills"])
        let nameWidth = min(28, max(5, skills.map { ($0["name"] as? String ?? "").count }.max() ?? 5))
        let categoryWidth = min(16, max(8, skills.map { ($0["category"] as? String ?? "").count }.max() ?? 8))
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
        }
        out.append("Skills")
        out.append("  " + pad("skill", nameWidth) + "  " + pad("category", categoryWidth) + "  level         evidence")
        for skill in skills {
            out.append(
                "  " + pad(skill["name"] as? String ?? "", nameWidth) + "  "
                    + pad(skill["category"] as? String ?? "", categoryWidth) + "  "
                    + pad(skill["level"] as? String ?? "", 12) + "  "
                    + String((skill["evidence"] as? String ?? "").prefix(60)))
        }
        let roles = strings(map["target_roles"])
        if !roles.isEmpty { out.append("\nTarget roles: " + roles.joined(separator: ", ")) }
        out.append("\nGaps")
        for gap in objects(map["gaps"]) {
            out.append(
                wrap(
                    "• [\(gap["priority"] as? String ?? "")] \(gap["skill"] as? String ?? ""): \(gap["why"] as? String ?? "")"
                ))
        }
        out.append("\nLearning plan")
        for week in objects(map["learning_plan"]) {
            out.append("  week \(week["week"] as? Int ?? 0): \(week["focus"] as? String ?? "")")
            for activity in strings(week["activities"]) { out.append(wrap("- " + activity, indent: "    ")) }
            let resources = strings(week["resources"])
            if !resources.isEmpty {
                out.append(wrap("resources: " + resources.joined(separator: ", "), indent: "    "))
            }
        }
        return out.joined(separator: "\n")
    }
}
