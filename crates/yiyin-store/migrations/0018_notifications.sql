-- Notifications (通知): the outbox of SMS and e-mail to send, written in the same transaction as the
-- event that causes it; the in-site inbox (站内消息); each account's e-mail address and channels.

-- One notice to send by SMS or e-mail. `idempotency_key` names the event (or the due date), the
-- recipient and the channel once and for all: a second write of it changes nothing, and the SMS
-- gateway drops repeats by it. A row is claimed with a lease (`lease_until`) while it is sent;
-- a failure sets `next_attempt_at` by the back-off; `sent_at` is set once it went out; rows that
-- exhausted their attempts are kept with `dead` = 1 (never deleted).
CREATE TABLE notification_outbox (
    id                {id},
    idempotency_key   TEXT NOT NULL UNIQUE,
    account_id        BIGINT,
    address           TEXT NOT NULL,
    channel           TEXT NOT NULL,
    kind              TEXT NOT NULL,
    case_id           BIGINT,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    attempts          BIGINT NOT NULL,
    next_attempt_at   BIGINT NOT NULL,
    lease_until       BIGINT NOT NULL,
    sent_at           BIGINT,
    dead              BIGINT NOT NULL,
    last_error        TEXT NOT NULL
);
CREATE INDEX notification_outbox_due ON notification_outbox (sent_at, dead, next_attempt_at);

-- The in-site inbox: one message per account; `idempotency_key` as in the outbox.
CREATE TABLE messages (
    id                {id},
    idempotency_key   TEXT NOT NULL UNIQUE,
    account_id        BIGINT NOT NULL,
    kind              TEXT NOT NULL,
    case_id           BIGINT,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    link              TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    read_at           BIGINT
);
CREATE INDEX messages_of_account ON messages (account_id, read_at, id);

-- Each account's e-mail address and the channels it wants besides the in-site message (absent:
-- no address, SMS and e-mail on).
CREATE TABLE notification_prefs (
    account_id        BIGINT PRIMARY KEY,
    email             TEXT NOT NULL,
    sms               BIGINT NOT NULL,
    email_enabled     BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
