namespace Hivetrain.Data;

/// <summary>
/// How one synthetic "dialect" speaks: its topics, names, tense, voice and phrasing. Documents of
/// different dialects differ in vocabulary, word order and topic mix, so shards can be non-iid.
/// </summary>
internal sealed record SyntheticDialect(
    int Index,
    SyntheticTopic[] Topics,
    double[] TopicWeights,
    string[] Names,
    bool PastTense,
    double PassiveRate,
    string Demonstrative,
    string[] TimePhrases,
    bool TimeFirst,
    string Closing)
{
    private static readonly string[][] NamePools =
    [
        ["Anna", "Tom", "Maria", "Peter", "Lucy", "Jack"],
        ["Kai", "Nora", "Lars", "Ingrid", "Sven", "Freya"],
        ["Omar", "Leila", "Samir", "Yasmin", "Karim", "Nadia"],
        ["Hiro", "Yuki", "Kenji", "Aiko", "Sora", "Ren"],
        ["Pablo", "Sofia", "Diego", "Elena", "Mateo", "Lucia"],
        ["Liam", "Emma", "Noah", "Olivia", "Ethan", "Ava"],
    ];

    private static readonly string[][] TimePools =
    [
        ["yesterday", "last week", "in the morning", "at night"],
        ["every day", "each spring", "before dawn", "after lunch"],
        ["long ago", "once upon a time", "in those days", "one winter"],
        ["today", "this evening", "right now", "all afternoon"],
    ];

    private static readonly string[] Closings = ["The end.", "And that was all.", "Then everyone went home.", "So the day ended."];

    /// <summary>Dialect <paramref name="index"/> of the corpus: a main topic, a second topic, and its own habits.</summary>
    public static SyntheticDialect Create(int index)
    {
        int topics = SyntheticTopic.All.Length;
        var main = SyntheticTopic.All[index % topics];
        var second = SyntheticTopic.All[(index + 2 + index / topics) % topics];
        var order = SyntheticTopic.All.Where(t => t != main && t != second).Prepend(second).Prepend(main).ToArray();
        var weights = order.Select((_, i) => i switch { 0 => 0.6, 1 => 0.25, _ => 0.15 / (order.Length - 2) }).ToArray();
        return new SyntheticDialect(
            index,
            order,
            weights,
            NamePools[index % NamePools.Length],
            PastTense: index % 2 == 0,
            PassiveRate: index % 3 == 1 ? 0.5 : 0.1,
            Demonstrative: index % 4 == 2 ? "that" : "the",
            TimePools[index % TimePools.Length],
            TimeFirst: index % 3 != 2,
            Closings[index % Closings.Length]);
    }

    public SyntheticTopic PickTopic(SeededRandom random)
    {
        double u = random.NextDouble();
        for (int i = 0; i < Topics.Length - 1; i++)
        {
            if (u < TopicWeights[i]) return Topics[i];
            u -= TopicWeights[i];
        }
        return Topics[^1];
    }
}
