/*
 * slotledger.h - the whole public API of slotledger.
 *
 * A scheduling and credit-ledger core for lesson-booking products: bookable
 * slots from weekly availability (DST-correct), bookings that can never
 * double-book, an idempotent tamper-evident credit ledger, soft deletes.
 * Conventions: see slotledger/common.h.
 */
#ifndef SLOTLEDGER_H
#define SLOTLEDGER_H

#include "slotledger/common.h"
#include "slotledger/version.h"
#include "slotledger/civil.h"
#include "slotledger/tz.h"
#include "slotledger/db.h"
#include "slotledger/tenant.h"
#include "slotledger/slots.h"
#include "slotledger/sessions.h"
#include "slotledger/teams.h"
#include "slotledger/ics.h"
#include "slotledger/outbox.h"
#include "slotledger/classes.h"
#include "slotledger/ledger.h"
#include "slotledger/postgres.h"

#endif
