"""Form inputs carry their extra attributes as attributes, correctly escaped."""

from __future__ import annotations

from tests.conftest import login


def test_the_wave_form_limits_visits_per_branch_with_real_attributes(client, world):
    login(client, "admin", "admin-pass")
    page = client.get("/admin/waves/new").text
    assert 'min="1"' in page and 'max="20"' in page
    assert "min=&#34;" not in page and "&quot;1&quot;" not in page


def test_the_user_and_branch_forms_keep_their_input_hints(client, world):
    login(client, "admin", "admin-pass")
    user_form = client.get("/admin/users/new").text
    assert 'autocapitalize="none"' in user_form and 'autocomplete="new-password"' in user_form
    assert 'inputmode="decimal"' in client.get("/admin/branches/new").text
