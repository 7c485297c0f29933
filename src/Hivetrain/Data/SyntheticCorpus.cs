using System.Text;

namespace Hivetrain.Data;

/// <summary>
/// Generated English-like stories from a small stochastic grammar: a protagonist and a topic per
/// document, agreement between subject and verb, a/an, recurring phrasing, all learnable from short
/// contexts, and in common English words that the GPT-2 BPE encodes in about one token each.
/// Each document's <see cref="CorpusDocument.Group"/> is its dialect.
/// </summary>
public static class SyntheticCorpus
{
    /// <summary>Version of the grammar; part of the token cache key.</summary>
    public const int GrammarVersion = 1;

    private static readonly string[] Numbers = ["two", "three", "four", "five", "six", "seven"];
    private static readonly string[] Prepositions = ["in", "near", "behind", "beside"];

    /// <summary>The documents, in order; document i depends only on (seed, i).</summary>
    public static IEnumerable<CorpusDocument> Documents(SyntheticCorpusOptions options)
    {
        options.Validate();
        var dialects = Enumerable.Range(0, options.Dialects).Select(SyntheticDialect.Create).ToArray();
        for (int i = 0; i < options.Documents; i++)
        {
            var dialect = dialects[i % dialects.Length];
            yield return new CorpusDocument(Document(dialect, new SeededRandom(SeededRandom.Derive(options.Seed, (ulong)i))), dialect.Index);
        }
    }

    private static string Document(SyntheticDialect dialect, SeededRandom random)
    {
        var story = new Story(dialect, dialect.PickTopic(random), random.Pick(dialect.Names), random);
        var text = new StringBuilder();
        text.Append(random.NextDouble() < 0.5
            ? $"This is a story about {story.Hero} and {story.Phrase(plural: false, definite: false)}."
            : $"{story.Hero} lived near the {random.Pick(story.Topic.Places)}.");
        int sentences = 3 + random.NextInt(5);
        for (int s = 0; s < sentences; s++)
        {
            // A second topic now and then keeps documents from being single-topic.
            if (random.NextDouble() < 0.15) story = story with { Topic = dialect.PickTopic(random) };
            text.Append(' ').Append(story.Sentence());
        }
        text.Append(' ').Append(dialect.Closing);
        return text.ToString();
    }

    private sealed record Story(SyntheticDialect Dialect, SyntheticTopic Topic, string Hero, SeededRandom Random)
    {
        public string Sentence()
        {
            double choice = Random.NextDouble();
            string sentence = choice switch
            {
                < 0.35 => Active(),
                < 0.50 => Dialect.PassiveRate > 0.3 || Random.NextDouble() < Dialect.PassiveRate * 3 ? Passive() : Active(),
                < 0.65 => Description(),
                < 0.75 => Count(),
                < 0.90 => HeroAction(),
                _ => Speech(),
            };
            return Capitalize(sentence) + (sentence.EndsWith('"') ? "" : ".");
        }

        private string Active()
        {
            bool plural = Random.NextDouble() < 0.3;
            string clause = $"{Phrase(plural, definite: true)} {Verb(plural)} {Phrase(Random.NextDouble() < 0.3, definite: Random.NextDouble() < 0.6)}";
            if (Random.NextDouble() < 0.5) clause += $" {Random.Pick(Prepositions)} the {Random.Pick(Topic.Places)}";
            return WithTime(clause);
        }

        private string Passive()
        {
            bool plural = Random.NextDouble() < 0.3;
            string be = Dialect.PastTense ? (plural ? "were" : "was") : (plural ? "are" : "is");
            return WithTime($"{Phrase(plural, definite: true)} {be} {Random.Pick(Topic.Verbs).Past} by {Phrase(Random.NextDouble() < 0.3, definite: true)}");
        }

        private string Description()
        {
            bool plural = Random.NextDouble() < 0.3;
            string be = Dialect.PastTense ? (plural ? "were" : "was") : (plural ? "are" : "is");
            string first = Random.Pick(Topic.Adjectives);
            string second = Random.Pick(Topic.Adjectives);
            string adjectives = first == second ? $"very {first}" : $"{first} and {second}";
            return $"{Determiner(plural)} {Noun(plural)} {be} {adjectives}";
        }

        private string Count()
        {
            string be = Dialect.PastTense ? "were" : "are";
            return $"there {be} {Random.Pick(Numbers)} {Noun(plural: true)} {Random.Pick(Prepositions)} the {Random.Pick(Topic.Places)}";
        }

        private string HeroAction() =>
            WithTime($"{Hero} {Verb(plural: false)} {Phrase(Random.NextDouble() < 0.3, definite: true)}");

        private string Speech()
        {
            bool plural = Random.NextDouble() < 0.3;
            string said = Dialect.PastTense ? "said" : "says";
            return $"{Hero} {said}, \"{Capitalize(Phrase(plural, definite: true))} {Verb(plural)} {Phrase(false, definite: false)}.\"";
        }

        public string Phrase(bool plural, bool definite)
        {
            string adjective = Random.NextDouble() < 0.5 ? Random.Pick(Topic.Adjectives) + " " : "";
            string noun = Noun(plural);
            if (definite) return $"{Determiner(plural)} {adjective}{noun}";
            if (plural) return $"some {adjective}{noun}";
            string article = "aeiou".Contains((adjective.Length > 0 ? adjective : noun)[0]) ? "an" : "a";
            return $"{article} {adjective}{noun}";
        }

        private string Determiner(bool plural) => plural && Dialect.Demonstrative == "that" ? "those" : Dialect.Demonstrative;

        private string Noun(bool plural)
        {
            var noun = Random.Pick(Topic.Nouns);
            return plural ? noun.Many : noun.One;
        }

        private string Verb(bool plural)
        {
            var verb = Random.Pick(Topic.Verbs);
            return Dialect.PastTense ? verb.Past : plural ? verb.Base : verb.Third;
        }

        private string WithTime(string clause)
        {
            if (Random.NextDouble() >= 0.3) return clause;
            string time = Random.Pick(Dialect.TimePhrases);
            return Dialect.TimeFirst ? $"{time}, {clause}" : $"{clause} {time}";
        }

        private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];
    }
}
