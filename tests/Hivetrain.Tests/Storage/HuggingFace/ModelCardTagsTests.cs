using Hivetrain.Storage;
using Hivetrain.Storage.HuggingFace;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>The network tag goes into the model card's front matter, and the rest of the card is kept.</summary>
public sealed class ModelCardTagsTests
{
    [Fact]
    public void A_repository_without_a_card_gets_one_with_the_tag() =>
        Assert.Equal("---\ntags:\n- net-1\n---\n", ModelCardTags.WithTag(null, "net-1"));

    [Fact]
    public void A_card_without_front_matter_gets_it_above_its_text() =>
        Assert.Equal("---\ntags:\n- net-1\n---\n# Hello\n", ModelCardTags.WithTag("# Hello\n", "net-1"));

    [Fact]
    public void Front_matter_without_tags_gets_a_tags_key() =>
        Assert.Equal("---\nlicense: mit\ntags:\n- net-1\n---\ntext", ModelCardTags.WithTag("---\nlicense: mit\n---\ntext", "net-1"));

    [Fact]
    public void A_block_list_gets_the_tag_and_keeps_the_others() =>
        Assert.Equal("---\ntags:\n- net-1\n- gpt2\n---\n", ModelCardTags.WithTag("---\ntags:\n- gpt2\n---\n", "net-1"));

    [Fact]
    public void A_flow_list_or_a_single_tag_is_extended_in_the_flow_form()
    {
        Assert.Equal("---\ntags: [gpt2, net-1]\n---\n", ModelCardTags.WithTag("---\ntags: [gpt2]\n---\n", "net-1"));
        Assert.Equal("---\ntags: [gpt2, net-1]\n---\n", ModelCardTags.WithTag("---\ntags: gpt2\n---\n", "net-1"));
    }

    [Fact]
    public void A_card_that_has_the_tag_needs_no_change()
    {
        Assert.Null(ModelCardTags.WithTag("---\ntags:\n- gpt2\n- \"net-1\"\n---\n", "net-1"));
        Assert.Null(ModelCardTags.WithTag("---\ntags: [net-1]\n---\n", "net-1"));
    }

    [Fact]
    public void A_tag_that_YAML_or_the_listing_could_misread_is_refused() =>
        Assert.Equal(StoreErrorReason.InvalidArgument, Assert.Throws<StoreException>(() => ModelCardTags.WithTag(null, "net 1\n- x")).Reason);
}
