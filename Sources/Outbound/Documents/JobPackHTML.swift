import Domain
import Mustache

/// The Job Pack as an A4 HTML page for WeasyPrint. Every value goes through mustache's HTML
/// escaping (`{{…}}`, never `{{{…}}}`): model and student text can add no markup, so the page can
/// reference nothing outside itself (and WeasyPrint runs with `--allowed-protocols data` besides).
enum JobPackHTML {
    static let template: MustacheTemplate = {
        do { return try MustacheTemplate(string: source) } catch {
            preconditionFailure("the template parses: \(error)")
        }
    }()

    static func render(_ result: JobPackResult, jobTitle: String, company: String) -> String {
        let context: [String: Any] = [
            "jobTitle": jobTitle, "company": company, "summary": result.summary,
            "bullets": result.resumeBullets.map { ["rewritten": $0.rewritten, "source": $0.sourceText] },
            "greeting": result.coverLetter.greeting,
            "paragraphs": result.coverLetter.paragraphs.map { ["text": $0] },
            "closing": result.coverLetter.closing,
            "questions": result.interviewQuestions.map {
                ["question": $0.question, "why": $0.whyAsked, "hint": $0.answerHint]
            },
            "keywords": (result.keywords.required + result.keywords.preferred).map { ["word": $0] },
            "gaps": result.gaps.map { ["text": $0] }, "hasGaps": !result.gaps.isEmpty,
            "warnings": result.warnings.map { ["text": $0] }, "hasWarnings": !result.warnings.isEmpty,
        ]
        return template.render(context)
    }

    static let source = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Job Pack: {{jobTitle}} at {{company}}</title>
        <style>
          @page { size: A4; margin: 20mm 18mm 20mm 18mm;
                  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-family: "DejaVu Sans", sans-serif;
                                  font-size: 8pt; color: #777; } }
          body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.45; color: #1d1d1f; }
          header { border-bottom: 2px solid #2b5fd9; padding-bottom: 6mm; margin-bottom: 6mm; }
          h1 { font-size: 20pt; margin: 0; color: #2b5fd9; }
          .company { font-size: 13pt; margin-top: 1mm; }
          h2 { font-size: 12pt; color: #2b5fd9; margin: 7mm 0 2mm; border-bottom: 1px solid #dde3f0; padding-bottom: 1mm; }
          ul { margin: 0; padding-left: 5mm; } li { margin-bottom: 2mm; }
          .source { color: #666; font-size: 8.5pt; }
          .letter p { margin: 0 0 3mm; text-align: justify; }
          .question { font-weight: bold; } .why, .hint { color: #444; font-size: 9pt; }
          .keywords span { display: inline-block; background: #eef2fb; border-radius: 2mm; padding: 0.5mm 2mm;
                           margin: 0 1mm 1mm 0; font-size: 8.5pt; }
          .letter { page-break-before: always; }
          .note { color: #8a5a00; font-size: 8.5pt; }
        </style></head>
        <body>
        <header><h1>{{jobTitle}}</h1><div class="company">{{company}}</div></header>
        <p>{{summary}}</p>
        <div class="keywords">{{#keywords}}<span>{{word}}</span>{{/keywords}}</div>
        <h2>Resume bullets</h2>
        <ul>{{#bullets}}<li>{{rewritten}}<div class="source">From your resume: {{source}}</div></li>{{/bullets}}</ul>
        {{#hasGaps}}<h2>Gaps to address</h2><ul>{{#gaps}}<li>{{text}}</li>{{/gaps}}</ul>{{/hasGaps}}
        <section class="letter"><h2>Cover letter</h2>
        <p>{{greeting}}</p>{{#paragraphs}}<p>{{text}}</p>{{/paragraphs}}<p>{{closing}}</p></section>
        <h2>Interview questions</h2>
        <ol>{{#questions}}<li><div class="question">{{question}}</div><div class="why">Why they ask: {{why}}</div>
        <div class="hint">How to answer: {{hint}}</div></li>{{/questions}}</ol>
        {{#hasWarnings}}<h2>Check before sending</h2>{{#warnings}}<p class="note">{{text}}</p>{{/warnings}}{{/hasWarnings}}
        </body></html>
        """
}
