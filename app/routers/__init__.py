"""HTTP routes: parse, authorize, call a service, render."""

from starlette.convertors import IntegerConvertor, register_url_convertor

# The largest row id either database stores (PostgreSQL's INTEGER). A longer number in a
# path cannot name a row: the route does not match (404) instead of the database raising.
MAX_ROW_ID = 2**31 - 1


class RowIdConvertor(IntegerConvertor):
    """`{x:int}` in a path: digits of a number from 0 to MAX_ROW_ID (the regex spells it out)."""

    regex = (
        "[0-9]{1,9}|[01][0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
        "|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
        "|21474836[0-3][0-9]|214748364[0-7]"
    )

    def convert(self, value: str) -> int:
        return int(value)


register_url_convertor("int", RowIdConvertor())
