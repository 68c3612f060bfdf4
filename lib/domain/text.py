"""What text the portal stores: valid Unicode without control characters (tabs and line
breaks are fine), wherever it comes from (a request's field, a word file)."""

import re

CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def first_control_character(value):
    """The first control character of value (NUL, ESC, DEL, C1...) other than a tab, line
    feed or carriage return; None when there is none."""
    found = CONTROL_CHARACTER.search(value)
    return found and found.group()


def has_lone_surrogate(value):
    """Whether value holds a lone surrogate (from an escape such as \\ud800), which is no character."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
