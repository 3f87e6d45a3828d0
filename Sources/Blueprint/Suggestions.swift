/// "Did you mean …?" hints: the closest candidate by edit distance, when it is close enough to be
/// a plausible typo rather than a different word.
enum Suggestions {
    /// The candidate closest to `word`, or `nil` when none is within the typo threshold.
    ///
    /// The threshold grows with the word (a third of its length, at least 2), so `nam` → `name`
    /// and `depend_on` → `depends_on` are suggested but `on` is not "corrected" to `name`.
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        // A long "word" is no typo of a key, and its edit distance costs its length times each candidate's.
        guard word.unicodeScalars.count <= 64 else { return nil }
        let threshold = max(2, word.count / 3)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != word {
            let distance = editDistance(word, candidate)
            if distance <= threshold, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// `; did you mean `x`?` or the empty string.
    static func hint(for word: String, in candidates: some Sequence<String>) -> String {
        closest(to: word, in: candidates).map { "; did you mean `\($0)`?" } ?? ""
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
    /// transpositions each cost 1, so the common `nubmer` → `number` slip counts as one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased().unicodeScalars), b = Array(b.lowercased().unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previous2[j - 2] + 1)
                }
                current[j] = value
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }

    /// `` `a`, `b`, `c` `` for "expected one of" messages.
    static func list(_ words: some Sequence<String>) -> String {
        words.map { "`\($0)`" }.joined(separator: ", ")
    }
}
