"""Issue #28 §1: credits by name for e-mailed/event photos, the "#" of the author's own hashtags,
and a mention counter that counts only real @handles."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from plugins.community.credit import credit, from_instagram
from scheduler.plan.caption_preview import figures, final_caption
from scheduler.publish.caption import MAX_CHARS, MAX_HASHTAGS, CaptionInput, build_caption, count_hashtags
from scheduler.publish.publisher import Publisher
from tests.scheduler_publish.publish_runner import request


def mentions(caption: str) -> int:
    return next(f.value for f in figures(caption)["Instagram"] if f.label == "Erwähnungen")


@pytest.mark.parametrize("source", ["instagram", "instaloader", "hashtag", "hashtag:soists", "tagged", "tags",
                                    "mention", "mentions", "folder"])
def test_instagram_sources_credit_the_handle(source):
    assert from_instagram(source)
    assert credit("anna.knipst", "Anna K.", source) == "@anna.knipst"


@pytest.mark.parametrize("source", ["manual", "email", "facebook", ""])
def test_other_sources_credit_the_name(source):
    assert credit("sabine r.", "Sabine R.", source) == "Sabine R."
    assert credit("", "Lena  Maier", source) == "Lena Maier"


def test_a_name_is_never_made_a_handle_even_from_instagram():
    assert credit("Sabine R.", "", "instagram") == "Sabine R."
    assert credit("ayşe demir", "", "hashtag") == "ayşe demir"


def test_emailed_photo_caption_credits_the_name(tmp_path: Path):
    """The publisher's own caption for a feature from the e-mail inbox: „📷 Sabine R.“."""
    emailed = replace(request(tmp_path), handle="", platform="email", author_name="Sabine R.",
                      post_uid="manual:0123", original_url="", original_id="")
    publisher = Publisher(client=None, site_url="https://so-ist-s.de")
    caption = build_caption(publisher.caption_input(emailed), include_link=True)
    assert "📷 Sabine R.\n" in caption and "@Sabine" not in caption
    assert mentions(caption) == 0


def test_instagram_feature_caption_credits_the_handle(tmp_path: Path):
    publisher = Publisher(client=None, site_url="https://so-ist-s.de")
    caption = build_caption(publisher.caption_input(request(tmp_path)), include_link=True)
    assert "📷 @anna.knipst\n" in caption


def test_caption_preview_credits_by_source():
    assert "📷 Lena Maier\n" in final_caption("Plochingen", "lena maier", "", "k", author_name="Lena Maier",
                                             source="manual")
    assert "📷 ayşe demir\n" in final_caption("Plochingen", "ayşe demir", "", "k", source="manual")
    assert "📷 @neckarblick\n" in final_caption("Plochingen", "neckarblick", "", "k", source="hashtag")


def test_the_authors_own_hashtag_keeps_its_sign():
    caption = build_caption(CaptionInput("Kirchberg an der Murr", "kirsch.fan", "Kirschblüte in Kirchberg #SoistS"))
    assert caption.startswith("Kirschblüte in Kirchberg #SoistS\n\n")
    assert count_hashtags(caption) <= MAX_HASHTAGS
    assert caption.count("#SoistS") == 1  # moved out of the tag line, not counted twice


def test_own_hashtags_keep_their_sign_while_the_limit_allows():
    data = CaptionInput("Plochingen", "anna.knipst", "Abendlicht am #Neckar #fluss #Winter #Kälte",
                        hashtags=("#Neckar",))
    caption = build_caption(data, include_link=True)
    assert caption.startswith("Abendlicht am #Neckar #fluss Winter Kälte\n\n")
    assert count_hashtags(caption) == MAX_HASHTAGS and len(caption) <= MAX_CHARS
    assert caption.rstrip().endswith("#SoistS #RegionStuttgart #Plochingen")


def test_a_cut_hashtag_stays_in_the_tag_line():
    text = "Wort " * 500 + "#SoistS"
    caption = build_caption(CaptionInput("Plochingen", "anna.knipst", text))
    assert len(caption) <= MAX_CHARS and caption.count("#SoistS") == 1
    assert caption.rstrip().endswith("#SoistS #RegionStuttgart #Plochingen")


def test_mention_counter_counts_only_real_handles():
    caption = ("Mit @wirzeigenS und @anna.knipst. Fotos: @ayşe demir, @Sabine R., "
               "Mail an soists@region-stuttgart.de, Treffen @ 18 Uhr, @…")
    assert mentions(caption) == 3  # @wirzeigenS, @anna.knipst, @Sabine (Instagram would tag that one)
    assert mentions("📷 Sabine R.\n📷 ayşe demir") == 0


def test_board_credit_of_a_store_post():
    from types import SimpleNamespace

    from scheduler.publish.caption import post_credit

    emailed = SimpleNamespace(author="lena maier", source="manual", consent=SimpleNamespace(credit="Lena Maier"))
    event = SimpleNamespace(author="ayşe demir", source="manual", consent=None)
    instagram = SimpleNamespace(author="anna.knipst", source="hashtag", consent=SimpleNamespace(credit="Anna K."))
    assert [post_credit(p) for p in (emailed, event, instagram)] == ["Lena Maier", "ayşe demir", "@anna.knipst"]
