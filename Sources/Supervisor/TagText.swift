import UntrustedText

/// Tag values (and names built from them) for a terminal, a log line or a report. A resource's
/// tags can come from where a pull request's build writes (an S3 prefix marker) and from branch
/// names, so they are hostile input: shown by `UntrustedText`'s rule, cut at `limit` characters, as
/// the providers show them in their errors.
public enum TagText {
    /// The longest value, in characters, that is shown.
    public static let limit = 200

    public static func printable(_ value: String) -> String { UntrustedText.printable(value, limit: limit) }
}
