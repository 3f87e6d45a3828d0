/// Tag values (and names built from them) for a terminal, a log line or a report. A resource's
/// tags can come from where a pull request's build writes (an S3 prefix marker) and from branch
/// names, so they are hostile input.
///
/// The same rules as the providers' `ManagedTags.printable` (a test holds the two to the same
/// answers): control characters (C0, DEL, C1) become `\u{…}` and `\` becomes `\\`, so no forged
/// log lines and no terminal escapes; the value is cut at `limit` characters, marked with `…`.
/// Written out here because the supervisor does not link the AWS modules that rule lives in.
public enum TagText {
    /// The longest value, in characters, that is shown.
    public static let limit = 200

    public static func printable(_ value: String) -> String {
        var result = ""
        for scalar in value.prefix(limit).unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\\" {
                result += scalar == "\\" ? "\\\\" : "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return value.count > limit ? result + "…" : result
    }
}
