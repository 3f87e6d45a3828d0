/// A service's rule for one kind of name (a pipeline name, a bucket name, a key prefix) and the way
/// any string, a hostile branch name included, is mapped into it.
///
/// Kinds declare their rules next to their providers; this type holds the shared algorithm so every
/// name prenv makes is sanitised the same way:
/// 1. A name that is already valid is returned unchanged, so authors get exactly what they wrote —
///    unless it ends the way a sanitised name does (`-` and 13 base-36 characters): it is then
///    hashed too, so no input can spell out another input's sanitised name.
/// 2. Otherwise every disallowed character becomes `-` (runs collapse), the ends are trimmed to what
///    the service accepts, the result is cut to fit, and `-` plus `StableHash.nameSuffix(input)` (67
///    bits of SHA-256) of the *original* input is appended. Sanitising is lossy (`feature/x` and
///    `feature-x` look alike), and so is truncation; the hash keeps distinct inputs distinct, also
///    against a PR author searching for a collision.
/// 3. Nothing left (e.g. a branch of emoji) gives `h` + hash, still valid and still distinct.
public struct NamingRule: Sendable {
    /// What the name is, for messages: "CodePipeline pipeline name".
    public let noun: String
    /// The rule in words, as quoted in diagnostics and the README.
    public let rule: String
    public let maxLength: Int
    private let validate: @Sendable (String) -> Bool
    private let sanitizer: @Sendable (String) -> String
    private let completeLiteral: @Sendable (String) -> String

    /// - Parameters:
    ///   - isValid: the service's documented rule.
    ///   - sanitize: maps an *invalid* input into the rule (valid ones never reach it).
    ///   - completeLiteral: what rendering adds to a literal before it is checked (a key prefix's `/`).
    public init(
        noun: String, rule: String, maxLength: Int, isValid: @escaping @Sendable (String) -> Bool,
        sanitize: @escaping @Sendable (String) -> String, completeLiteral: @escaping @Sendable (String) -> String = { $0 }
    ) {
        self.noun = noun
        self.rule = rule
        self.maxLength = maxLength
        self.validate = isValid
        self.sanitizer = sanitize
        self.completeLiteral = completeLiteral
    }

    /// A rule over a character set: `length` scalars, each `allowed`, the first also `first`.
    /// Sanitising keeps `allowed` characters, starts with a `sanitizedFirst` one and ends with a letter
    /// or digit (and hashes as described above).
    public static func characters(
        noun: String, rule: String, length: ClosedRange<Int>, allowed: @escaping @Sendable (Unicode.Scalar) -> Bool,
        first: @escaping @Sendable (Unicode.Scalar) -> Bool = { _ in true },
        sanitizedFirst: @escaping @Sendable (Unicode.Scalar) -> Bool = Self.isASCIIAlphanumeric
    ) -> NamingRule {
        NamingRule(
            noun: noun, rule: rule, maxLength: length.upperBound,
            isValid: { name in
                let scalars = Array(name.unicodeScalars)
                guard length.contains(scalars.count), let head = scalars.first else { return false }
                return first(head) && scalars.allSatisfy(allowed)
            },
            sanitize: { hashedSanitize($0, maxLength: length.upperBound, allowed: allowed, first: sanitizedFirst) }
        )
    }

    public func isValid(_ name: String) -> Bool { validate(name) }

    public func sanitize(_ input: String) -> String {
        isValid(input) && !StableHash.endsLikeNameSuffix(input) ? input : sanitizer(input)
    }

    /// Whether a name written out in full in a blueprint fits, once rendering has completed it.
    public func acceptsLiteral(_ literal: String) -> Bool { isValid(completeLiteral(literal)) }

    /// A name the blueprint spells out in full (checked at load by `acceptsLiteral`): completed, never
    /// hashed, since the blueprint's author, not a PR, chose it.
    public func renderLiteral(_ literal: String) -> String {
        let completed = completeLiteral(literal)
        return isValid(completed) ? completed : sanitize(literal)
    }

    /// Step 2 and 3 of the algorithm for a character-set rule; `lowercase` folds A–Z first.
    public static func hashedSanitize(
        _ input: String, maxLength: Int, lowercase: Bool = false, allowed: (Unicode.Scalar) -> Bool,
        first: (Unicode.Scalar) -> Bool
    ) -> String {
        let hash = StableHash.nameSuffix(input)
        let budget = maxLength - hash.count - 2
        var body = replacingDisallowed(in: input, lowercase: lowercase, allowed: allowed)
        body = trimmed(body, keepFirst: first, keepLast: isASCIIAlphanumeric)
        body = trimmed(String(String.UnicodeScalarView(body.unicodeScalars.prefix(budget))), keepFirst: first, keepLast: isASCIIAlphanumeric)
        return body.isEmpty ? "h" + hash : body + "-" + hash
    }

    /// Every scalar not `allowed` becomes `-`, runs of `-` collapse to one.
    public static func replacingDisallowed(in input: String, lowercase: Bool, allowed: (Unicode.Scalar) -> Bool) -> String {
        var output = String.UnicodeScalarView()
        for var scalar in input.unicodeScalars {
            if lowercase, ("A"..."Z").contains(scalar), let lower = Unicode.Scalar(scalar.value + 32) { scalar = lower }
            if !allowed(scalar) { scalar = "-" }
            if scalar == "-", output.last == "-" { continue }
            output.append(scalar)
        }
        return String(output)
    }

    /// Drops scalars from each end until `keepFirst`/`keepLast` accepts the end.
    public static func trimmed(_ text: String, keepFirst: (Unicode.Scalar) -> Bool, keepLast: (Unicode.Scalar) -> Bool) -> String {
        var scalars = Substring(text).unicodeScalars
        while let first = scalars.first, !keepFirst(first) { scalars.removeFirst() }
        while let last = scalars.last, !keepLast(last) { scalars.removeLast() }
        return String(scalars)
    }

    @Sendable public static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool { scalar.isASCIILetter }
    @Sendable public static func isASCIIAlphanumeric(_ scalar: Unicode.Scalar) -> Bool { scalar.isASCIIAlphanumeric }
    @Sendable public static func isLowercaseOrDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.isLowercaseOrDigit }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isASCIIAlphanumeric: Bool { isASCIILetter || isASCIIDigit }
    var isLowercaseOrDigit: Bool { ("a"..."z").contains(self) || isASCIIDigit }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
