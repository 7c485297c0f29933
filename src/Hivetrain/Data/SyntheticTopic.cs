namespace Hivetrain.Data;

/// <summary>The words of one subject of the synthetic corpus (nouns as singular/plural, verbs as base/third person/past).</summary>
internal sealed record SyntheticTopic(
    string Name,
    (string One, string Many)[] Nouns,
    (string Base, string Third, string Past)[] Verbs,
    string[] Adjectives,
    string[] Places)
{
    public static readonly SyntheticTopic[] All =
    [
        new("farm",
            [("cow", "cows"), ("horse", "horses"), ("farmer", "farmers"), ("goat", "goats"), ("hen", "hens"), ("dog", "dogs"), ("pig", "pigs")],
            [("feed", "feeds", "fed"), ("chase", "chases", "chased"), ("watch", "watches", "watched"), ("follow", "follows", "followed"), ("carry", "carries", "carried")],
            ["brown", "old", "muddy", "quiet", "hungry", "small"],
            ["field", "barn", "river", "hill", "market"]),
        new("sea",
            [("sailor", "sailors"), ("ship", "ships"), ("fish", "fish"), ("captain", "captains"), ("gull", "gulls"), ("boat", "boats"), ("whale", "whales")],
            [("steer", "steers", "steered"), ("catch", "catches", "caught"), ("find", "finds", "found"), ("pull", "pulls", "pulled"), ("see", "sees", "saw")],
            ["blue", "salty", "wet", "brave", "tall", "lonely"],
            ["harbor", "bay", "island", "coast", "dock"]),
        new("kitchen",
            [("cook", "cooks"), ("baker", "bakers"), ("pot", "pots"), ("loaf", "loaves"), ("cake", "cakes"), ("knife", "knives"), ("apple", "apples")],
            [("bake", "bakes", "baked"), ("stir", "stirs", "stirred"), ("cut", "cuts", "cut"), ("taste", "tastes", "tasted"), ("serve", "serves", "served")],
            ["warm", "sweet", "fresh", "hot", "round", "golden"],
            ["kitchen", "oven", "table", "garden", "shop"]),
        new("city",
            [("driver", "drivers"), ("clerk", "clerks"), ("train", "trains"), ("bus", "buses"), ("tower", "towers"), ("lamp", "lamps"), ("artist", "artists")],
            [("build", "builds", "built"), ("paint", "paints", "painted"), ("drive", "drives", "drove"), ("open", "opens", "opened"), ("clean", "cleans", "cleaned")],
            ["busy", "bright", "new", "loud", "grey", "empty"],
            ["station", "square", "office", "bridge", "park"]),
        new("forest",
            [("fox", "foxes"), ("owl", "owls"), ("hunter", "hunters"), ("tree", "trees"), ("deer", "deer"), ("bear", "bears"), ("wolf", "wolves")],
            [("hide", "hides", "hid"), ("hear", "hears", "heard"), ("climb", "climbs", "climbed"), ("track", "tracks", "tracked"), ("guard", "guards", "guarded")],
            ["dark", "green", "wild", "silent", "clever", "ancient"],
            ["forest", "cave", "valley", "lake", "path"]),
        new("workshop",
            [("robot", "robots"), ("engine", "engines"), ("wheel", "wheels"), ("engineer", "engineers"), ("pump", "pumps"), ("clock", "clocks"), ("wire", "wires")],
            [("repair", "repairs", "repaired"), ("test", "tests", "tested"), ("measure", "measures", "measured"), ("turn", "turns", "turned"), ("power", "powers", "powered")],
            ["steel", "broken", "shiny", "heavy", "electric", "precise"],
            ["workshop", "factory", "lab", "garage", "yard"]),
    ];
}
