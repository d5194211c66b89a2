"""The interface follows the browser, the switch, and the account's saved language."""

from __future__ import annotations

from sqlmodel import select

from app.models import User
from tests.conftest import csrf_of, login


def test_the_browser_language_is_used_before_login(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "<h1>登录</h1>" in page.text
    assert '<html lang="zh-CN">' in page.text
    assert "<h1>Log in</h1>" in client.get("/login", headers={"Accept-Language": "en"}).text


def test_switching_language_is_saved_on_the_account(client, world, db):
    login(client, "manager", "manager-pass")
    client.post("/language", data={"language": "zh_CN", "csrf_token": csrf_of(client)})
    assert "<h1>我的区域</h1>" in client.get("/").text
    saved = db.exec(select(User).where(User.username == "manager")).one()
    assert saved.language == "zh_CN"

    client.cookies.clear()  # another device, with an English browser
    login(client, "manager", "manager-pass")
    assert "<h1>我的区域</h1>" in client.get("/", headers={"Accept-Language": "en"}).text


def test_error_messages_are_translated_too(client, world):
    token = csrf_of(client, "/login")
    page = client.post(
        "/login",
        data={"username": "shopper", "password": "wrong-wrong", "csrf_token": token},
        headers={"Accept-Language": "zh-CN"},
    )
    assert "用户名或密码错误。" in page.text
