/// A 128-bit digest of a text prenv keeps only to tell whether a later text is the same one (the
/// last comment body written, a status's fingerprint, a PR's head): 16 bytes inline instead of
/// the text, which is kept per environment or per status context.
///
/// SipHash under the process's random seed (`Hasher`), twice with different prefixes: a collision
/// (a changed text taken for unchanged) is a 2⁻¹²⁸ chance, and no one can aim for one, a PR author
/// included, without the seed. Never persisted: the seed changes with every process.
struct TextDigest: Hashable, Sendable {
    let high: Int
    let low: Int

    init(_ text: String) {
        var first = Hasher(), second = Hasher()
        first.combine(0 as UInt8)
        second.combine(1 as UInt8)
        first.combine(text)
        second.combine(text)
        high = first.finalize()
        low = second.finalize()
    }
}
