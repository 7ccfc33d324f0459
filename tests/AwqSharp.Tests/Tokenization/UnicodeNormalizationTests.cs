using AwqSharp.Tokenization.Unicode;
using CsCheck;

namespace AwqSharp.Tests.Tokenization;

/// <summary>Managed NFC/NFD against Python's unicodedata (known answers) and the normal-form laws.</summary>
public class UnicodeNormalizationTests
{
    public static IEnumerable<object[]> Rows() => Enumerable.Range(0, UnicodeNormalizationCases.All.Length).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Rows))]
    public void MatchesPythonUnicodedata(int index)
    {
        var (input, nfc, nfd) = UnicodeNormalizationCases.All[index];
        Assert.Equal(nfc, UnicodeNormalization.ToNfc(input));
        Assert.Equal(nfd, UnicodeNormalization.ToNfd(input));
    }

    [Theory]
    [InlineData("cafe\u0301", "caf\u00E9")]
    [InlineData("\u1100\u1161\u11A8", "\uAC01")]            // Hangul L V T
    [InlineData("A\u0328\u0301", "\u0104\u0301")]           // ogonek (202) composes first, acute stays
    [InlineData("\u212B", "\u00C5")]                        // ANGSTROM SIGN is a singleton
    [InlineData("\u0344", "\u0308\u0301")]                  // non-starter decomposition
    [InlineData("\U0001D15E", "\U0001D157\U0001D165")]      // composition exclusion outside the BMP
    [InlineData("plain ASCII", "plain ASCII")]
    public void KnownCompositions(string input, string nfc) => Assert.Equal(nfc, UnicodeNormalization.ToNfc(input));

    [Fact]
    public void NormalFormLaws()
    {
        TextGen.Text.Sample(s =>
        {
            string nfc = UnicodeNormalization.ToNfc(s), nfd = UnicodeNormalization.ToNfd(s);
            Assert.Equal(nfc, UnicodeNormalization.ToNfc(nfc));
            Assert.Equal(nfd, UnicodeNormalization.ToNfd(nfd));
            Assert.Equal(nfd, UnicodeNormalization.ToNfd(nfc));
            Assert.Equal(nfc, UnicodeNormalization.ToNfc(nfd));
        }, iter: 1000);
    }

    [Fact]
    public void StableTextIsReturnedAsIs()
    {
        string s = "Hello, world \u00E9\u00E8 \u4E2D\u6587";
        Assert.Same(s, UnicodeNormalization.ToNfc(s));
    }
}
