"""tests/ics_reader.py - an iCalendar reader independent of the library's
writer, shared by the tests that read a feed or an export
(tests/cli/test_cli.py, examples/test_ics_feed.py)."""


def ics_parse(raw):
    """(logical lines, VEVENTs as dicts, the offending physical lines) of the
    bytes of an iCalendar body per RFC 5545 3.1: CRLF line ends only,
    physical lines of at most 75 octets, unfolded. A body that does not end
    with CRLF is read as one physical line."""
    phys = raw[:-2].split(b"\r\n") if raw.endswith(b"\r\n") else [raw]
    bad = [x for x in phys if len(x) > 75 or b"\n" in x or b"\r" in x]
    logical = []
    for x in phys:
        if x[:1] in (b" ", b"\t") and logical:
            logical[-1] += x[1:]
        else:
            logical.append(x)
    lines = [x.decode("utf-8") for x in logical]
    events, cur = [], None
    for line in lines:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            cur = {}
        elif line == "END:VEVENT":
            events.append(cur)
            cur = None
        elif cur is not None:
            cur[name] = value
    return lines, events, bad
