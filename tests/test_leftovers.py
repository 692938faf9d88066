"""The helpers behind the suite's check that it leaves nothing in a Redis it does not own."""

from urllib.parse import urlsplit

import pytest

from tests.leftovers import SHOWN, all_keys, delete_keys, describe

pytestmark = pytest.mark.redis


def test_keys_are_found_in_every_database_and_deleted_by_pattern(redis_url):
    import redis

    before = all_keys(redis_url)
    client = redis.Redis.from_url(redis_url)
    db = client.get_connection_kwargs()["db"]
    other = redis.Redis.from_url(urlsplit(redis_url)._replace(path=f"/{db + 3}").geturl())
    try:
        client.set("sequere-leftover-test:a", 1)
        other.set("sequere-leftover-test:b", 1)
        assert all_keys(redis_url) - before == {
            (db, "sequere-leftover-test:a"),
            (db + 3, "sequere-leftover-test:b"),
        }
        assert delete_keys(redis_url, "sequere-leftover-test:*") == 1  # only in the URL's own db
        other.delete("sequere-leftover-test:b")
        assert all_keys(redis_url) == before
    finally:
        client.close()
        other.close()


def test_a_long_list_is_cut_short():
    text = describe({(0, f"k{i:03}") for i in range(SHOWN + 5)})
    assert text.splitlines()[0] == "db 0: k000"
    assert text.splitlines()[-1] == "... and 5 more"
    assert len(text.splitlines()) == SHOWN + 1
