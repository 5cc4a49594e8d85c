"""The wall credits like the captions (plugins/community/credit.py): @handle only for Instagram."""

from __future__ import annotations

from plugins.community.generator import make_wall_post
from tests.community.smallsite import sample_post


def test_instagram_post_is_credited_with_the_handle():
    wall = make_wall_post(sample_post(), "community/probe-1.md", "")
    assert wall.credit == "@probe_handle"
    assert wall.title.endswith("Foto von @probe_handle")


def test_emailed_post_is_credited_by_name_even_with_a_handle_field():
    post = sample_post(platform="email", handle="sabine_r", author_name="Sabine R.", original_url="", original_id="")
    wall = make_wall_post(post, "community/probe-1.md", "")
    assert wall.credit == "Sabine R." and "@" not in wall.title


def test_facebook_post_is_credited_by_name():
    post = sample_post(platform="facebook", handle="lena.maier", author_name="Lena Maier",
                       original_url="https://www.facebook.com/lena.maier/posts/1")
    assert make_wall_post(post, "community/probe-1.md", "").credit == "Lena Maier"
