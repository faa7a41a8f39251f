#!/usr/bin/env python3
"""examples/group_class.py - a Saturday group class with 8 seats that fills
up, keeps a waitlist, and refills from it as students withdraw.

Twelve students try to enroll in a class of 8 at 2 credits a seat: 8 get a
seat (each holding 2 credits), the rest join the waitlist (holding nothing).
Student 9 has no credits left when a seat frees, so the library skips them
(they keep their place) and promotes the next one who can pay, in the same
transaction as the withdrawal. Fixed clocks: the output is the same on
every run.

    SLOTLEDGER_LIB=build/libslotledger.so PYTHONPATH=bindings/python \\
        python3 examples/group_class.py [db-file]
"""
import sys
from datetime import datetime, timedelta, timezone

import slotledger as sl

T = 1                                                  # the teacher
UTC = timezone.utc
NOW = datetime(2026, 11, 30, 8, tzinfo=UTC)            # a Monday
SATURDAY = datetime(2026, 12, 5, 9, tzinfo=UTC)        # 10:00 in Berlin


def show(db, cls):
    info = db.class_info(T, cls)
    print("  %d of %d seats taken, %d waiting" % (info.taken, info.capacity, info.waitlisted))
    for s in db.seats(T, cls):
        if s.status in ("seated", "waitlisted"):
            print("    #%-2d student %-3d %-10s holds %d" % (s.position, s.student, s.status,
                                                            db.balance(T, s.student, now=NOW).held))


def main():
    db = sl.open(sys.argv[1]) if len(sys.argv) > 1 else sl.open_memory()
    with db:
        db.set_tenant(T, tz="Europe/Berlin", late_cancel=timedelta(hours=24), now=NOW)
        db.add_rule(T, weekday=6, start="08:00", end="18:00", now=NOW)      # Saturdays
        for student in range(101, 113):
            credits = 0 if student == 109 else 4
            if credits:
                db.post(T, account=student, amount=credits, key="pack-%d" % student, now=NOW)
        cls = db.create_class(T, start=SATURDAY, duration=timedelta(minutes=90), capacity=8,
                              credits_per_seat=2, key="yoga-sat", now=NOW).id
        print("class %d: Saturday 10:00 Berlin, 8 seats, 2 credits a seat" % cls)
        for student in range(101, 113):
            try:
                db.enroll(T, cls, student, key="enroll-%d" % student, now=NOW)
            except sl.ClassFull:
                db.enroll(T, cls, student, waitlist=True, key="wait-%d" % student, now=NOW)
        show(db, cls)
        info = db.class_info(T, cls)
        assert (info.taken, info.waitlisted) == (8, 4), info

        print("students 101 and 102 withdraw (more than 24 h ahead: their holds are released)")
        db.withdraw(T, cls, 101, now=NOW)
        db.withdraw(T, cls, 102, now=NOW)
        show(db, cls)
        print("student 109 could not pay and keeps waiting; 110 and 111 took the seats")
        status = {s.student: s.status for s in db.seats(T, cls)}
        assert (status[109], status[110], status[111], status[112]) == \
            ("waitlisted", "seated", "seated", "waitlisted"), status

        print("a booking over the class's time is refused:")
        try:
            db.book(T, student=120, start=SATURDAY, duration=timedelta(hours=1), now=NOW)
        except sl.Conflict as e:
            print("  Conflict: %s" % e.message)
        else:
            raise AssertionError("the class did not block the teacher's time")
        db.complete(T, cls, now=SATURDAY + timedelta(hours=2))
        print("after the class: student 103 has %d credits (2 captured)" % db.balance(T, 103, now=NOW).posted)
        print("ledger verifies: %s" % (db.verify(T).first_bad_seq is None))


if __name__ == "__main__":
    main()
