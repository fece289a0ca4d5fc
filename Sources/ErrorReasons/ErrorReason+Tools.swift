// Reasons of the AI tools: the model, the profile page fetch, the PDF and the synchronous tools.

extension ErrorReason {
    /// Every model's transient failures outlasted their retries, or the API refused the request.
    public static let modelUnavailable = ErrorReason("MODEL_UNAVAILABLE")
    /// The model refused (a refusal message or the content filter).
    public static let modelRefused = ErrorReason("MODEL_REFUSED")
    /// The answer was not JSON, or broke the tool's rules, twice.
    public static let modelOutputInvalid = ErrorReason("MODEL_OUTPUT_INVALID")
    /// The answer was cut off at the token limit twice.
    public static let modelOutputTruncated = ErrorReason("MODEL_OUTPUT_TRUNCATED")
    /// A profile URL whose host the university does not list.
    public static let profileURLNotAllowed = ErrorReason("PROFILE_URL_NOT_ALLOWED")
    /// The profile page could not be fetched (blocked address, redirect, too large, unreachable).
    public static let profileFetchFailed = ErrorReason("PROFILE_FETCH_FAILED")
    /// The PDF could not be rendered.
    public static let pdfRenderFailed = ErrorReason("PDF_RENDER_FAILED")
    /// GetRunPdf on a run that has not succeeded (yet).
    public static let runNotSucceeded = ErrorReason("RUN_NOT_SUCCEEDED")
    /// GetRunPdf on a kind of run that has no PDF.
    public static let runHasNoPdf = ErrorReason("RUN_HAS_NO_PDF")
    /// A synchronous tool call with this idempotency-key is still being answered.
    public static let toolCallInProgress = ErrorReason("TOOL_CALL_IN_PROGRESS")

    public static let toolReasons: [ErrorReason] = [
        .modelUnavailable, .modelRefused, .modelOutputInvalid, .modelOutputTruncated, .profileURLNotAllowed,
        .profileFetchFailed, .pdfRenderFailed, .runNotSucceeded, .runHasNoPdf, .toolCallInProgress,
    ]
}
