//! The schema and its migrations, applied at start-up on both backends.
//!
//! One SQL file per migration, in column types both databases accept (TEXT, BIGINT, BOOLEAN,
//! DOUBLE PRECISION). Where the two really differ, a file uses a placeholder that [`dialect`]
//! replaces: `{id}` (an auto-numbered primary key) and `{blob}` (binary data); a statement that
//! cannot be shared at all starts with `{sqlite}` or `{postgres}` and runs on that backend alone
//! (see `for_backend`). Migrations are
//! append-only: a released file is never edited. Each applied migration is recorded with the SM3
//! digest of its text; at start-up a recorded digest that differs from the build's (an edited
//! released migration) or a migration the build does not know (a newer database) stops the server
//! before anything is written. On PostgreSQL an advisory lock keeps several app servers starting at
//! once from migrating twice.

use sqlx::{Acquire, Executor};

use crate::rows::{insert, sql};
use crate::{Backend, Result, Store, StoreError};

/// (version, name, SQL) in order.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/0001_foundation.sql"),
    ),
    (2, "cases", include_str!("../migrations/0002_cases.sql")),
    (
        3,
        "attachments",
        include_str!("../migrations/0003_attachments.sql"),
    ),
    (4, "seals", include_str!("../migrations/0004_seals.sql")),
    (
        5,
        "supervision",
        include_str!("../migrations/0005_supervision.sql"),
    ),
    (
        6,
        "integrity",
        include_str!("../migrations/0006_integrity.sql"),
    ),
    (
        7,
        "account_security",
        include_str!("../migrations/0007_account_security.sql"),
    ),
    (
        8,
        "inspection_commitment",
        include_str!("../migrations/0008_inspection_commitment.sql"),
    ),
    (
        9,
        "totp_step",
        include_str!("../migrations/0009_totp_step.sql"),
    ),
    (
        10,
        "pending_uploads",
        include_str!("../migrations/0010_pending_uploads.sql"),
    ),
    (
        11,
        "monitoring",
        include_str!("../migrations/0011_monitoring.sql"),
    ),
    (
        12,
        "ratings",
        include_str!("../migrations/0012_ratings.sql"),
    ),
    (
        13,
        "tickets",
        include_str!("../migrations/0013_tickets.sql"),
    ),
    (
        14,
        "open311",
        include_str!("../migrations/0014_open311.sql"),
    ),
    (
        15,
        "ticket_attachments",
        include_str!("../migrations/0015_ticket_attachments.sql"),
    ),
    (
        16,
        "ticket_ratings",
        include_str!("../migrations/0016_ticket_ratings.sql"),
    ),
    (
        17,
        "open_data",
        include_str!("../migrations/0017_open_data.sql"),
    ),
    (
        18,
        "notifications",
        include_str!("../migrations/0018_notifications.sql"),
    ),
    (
        19,
        "shared_materials",
        include_str!("../migrations/0019_shared_materials.sql"),
    ),
    (
        20,
        "case_forms",
        include_str!("../migrations/0020_case_forms.sql"),
    ),
    (
        21,
        "identity",
        include_str!("../migrations/0021_identity.sql"),
    ),
    (
        22,
        "sms_codes",
        include_str!("../migrations/0022_sms_codes.sql"),
    ),
    (
        23,
        "deliveries",
        include_str!("../migrations/0023_deliveries.sql"),
    ),
    (
        24,
        "transition",
        include_str!("../migrations/0024_transition.sql"),
    ),
    (
        25,
        "delegation",
        include_str!("../migrations/0025_delegation.sql"),
    ),
    (
        26,
        "simulation",
        include_str!("../migrations/0026_simulation.sql"),
    ),
    (
        27,
        "redress",
        include_str!("../migrations/0027_redress.sql"),
    ),
    (
        28,
        "statistics_summary",
        include_str!("../migrations/0028_statistics_summary.sql"),
    ),
    (
        29,
        "seal_certificates",
        include_str!("../migrations/0029_seal_certificates.sql"),
    ),
    (
        30,
        "bundles",
        include_str!("../migrations/0030_bundles.sql"),
    ),
    (
        31,
        "bundle_cases",
        include_str!("../migrations/0031_bundle_cases.sql"),
    ),
    (
        32,
        "external_signers",
        include_str!("../migrations/0032_external_signers.sql"),
    ),
    (
        33,
        "monitoring_desk_filters",
        include_str!("../migrations/0033_monitoring_desk_filters.sql"),
    ),
    (
        34,
        "external_seal_crls",
        include_str!("../migrations/0034_external_seal_crls.sql"),
    ),
    (
        35,
        "expert_pools",
        include_str!("../migrations/0035_expert_pools.sql"),
    ),
    (
        36,
        "projects",
        include_str!("../migrations/0036_projects.sql"),
    ),
    (
        37,
        "monitoring_desk_filter_pairs",
        include_str!("../migrations/0037_monitoring_desk_filter_pairs.sql"),
    ),
    (
        38,
        "several_servers",
        include_str!("../migrations/0038_several_servers.sql"),
    ),
    (
        39,
        "joint_visits",
        include_str!("../migrations/0039_joint_visits.sql"),
    ),
    (
        40,
        "drawing_reviews",
        include_str!("../migrations/0040_drawing_reviews.sql"),
    ),
    (41, "agency", include_str!("../migrations/0041_agency.sql")),
    (
        42,
        "push_lists",
        include_str!("../migrations/0042_push_lists.sql"),
    ),
    (
        43,
        "desk_filters_and_finding_pages",
        include_str!("../migrations/0043_desk_filters_and_finding_pages.sql"),
    ),
    (
        44,
        "review_certificates",
        include_str!("../migrations/0044_review_certificates.sql"),
    ),
    (
        45,
        "bundle_pages",
        include_str!("../migrations/0045_bundle_pages.sql"),
    ),
    (
        46,
        "event_chains",
        include_str!("../migrations/0046_event_chains.sql"),
    ),
    (
        47,
        "cases_by_received",
        include_str!("../migrations/0047_cases_by_received.sql"),
    ),
    (
        48,
        "popularity_from_the_summary",
        include_str!("../migrations/0048_popularity_from_the_summary.sql"),
    ),
];

/// A lock number of Yiyin's own for `pg_advisory_lock`.
const PG_LOCK: i64 = 0x5969_5969;

/// Replaces the dialect placeholders for one backend.
pub fn dialect(sql: &str, backend: Backend) -> String {
    let (id, blob) = match backend {
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
        Backend::Postgres => (
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            "BYTEA",
        ),
    };
    sql.replace("{id}", id).replace("{blob}", blob)
}

/// A statement for `backend`: one marked `{sqlite}` or `{postgres}` at its start runs on that
/// backend alone (where the two cannot share the statement, e.g. SQLite's table rebuild in place
/// of PostgreSQL's `ALTER COLUMN`), without its marker; `None` when it is the other backend's.
fn for_backend(statement: &str, backend: Backend) -> Option<&str> {
    let own = match backend {
        Backend::Sqlite => "{sqlite}",
        Backend::Postgres => "{postgres}",
    };
    if let Some(rest) = statement.strip_prefix(own) {
        return Some(rest.trim_start());
    }
    if statement.starts_with("{sqlite}") || statement.starts_with("{postgres}") {
        return None;
    }
    Some(statement)
}

/// The statements of a migration file (split on `;` at the end of a line; comments dropped).
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let line = line.trim_end();
        if line.trim_start().starts_with("--") || line.trim().is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.ends_with(';') {
            out.push(current.trim().trim_end_matches(';').to_string());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// Applies every migration not yet applied.
pub async fn run(store: &Store) -> Result<()> {
    let mut conn = store.write.acquire().await?;
    if store.backend() == Backend::Postgres {
        sql!("SELECT pg_advisory_lock($1)"; PG_LOCK)
            .run(&mut *conn)
            .await?;
    }
    let result = apply_pending(store.backend(), &mut conn, latest()).await;
    if store.backend() == Backend::Postgres {
        sql!("SELECT pg_advisory_unlock($1)"; PG_LOCK)
            .run(&mut *conn)
            .await?;
    }
    result
}

/// The SM3 digest of a migration's text, as recorded when it is applied.
pub fn checksum(sql: &str) -> String {
    use sm3::Digest;
    let digest = sm3::Sm3::digest(sql.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Applies the migrations up to `last` on a bare connection, as a build of that version would (for
/// tests of a later migration on rows written before it).
pub async fn apply_up_to(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    last: i64,
) -> Result<()> {
    apply_pending(backend, conn, last).await
}

async fn apply_pending(backend: Backend, conn: &mut sqlx::AnyConnection, last: i64) -> Result<()> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )",
    )
    .await?;
    // Databases migrated before checksums were kept get the column; their rows are filled below.
    let has_checksum = sql!("SELECT checksum FROM schema_migrations WHERE 1 = 0")
        .run(&mut *conn)
        .await
        .is_ok();
    if !has_checksum {
        conn.execute("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT")
            .await?;
    }
    let applied: Vec<(i64, String, Option<String>)> =
        sql!("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
            .all(&mut *conn)
            .await?;
    for (version, _, recorded) in applied.iter().cloned() {
        let Some((_, name, sql)) = MIGRATIONS.iter().find(|m| m.0 == version) else {
            return Err(StoreError::Schema(format!(
                "数据库中有本程序不认识的第{version}号迁移：该数据库由更新版本的一印建立，请使用更新版本的一印启动"
            )));
        };
        let expected = checksum(sql);
        match recorded {
            Some(c) if c == expected => {}
            Some(c) => {
                return Err(StoreError::Schema(format!(
                    "第{version}号迁移（{name}）在应用后被修改：数据库记录的摘要为 {c}，本程序的摘要为 {expected}；已发布的迁移不得修改，请使用与该数据库一致的版本启动"
                )));
            }
            None => {
                sql!("UPDATE schema_migrations SET checksum = $1 WHERE version = $2"; &expected, version)
                    .run(&mut *conn)
                    .await?;
            }
        }
    }
    let applied: Vec<i64> = applied.iter().map(|r| r.0).collect();
    for (version, name, sql) in MIGRATIONS.iter().take_while(|m| m.0 <= last) {
        if applied.contains(version) {
            continue;
        }
        tracing::info!(version, name, "applying migration");
        let mut tx = conn.begin().await?;
        for statement in statements(&dialect(sql, backend)) {
            let Some(statement) = for_backend(&statement, backend) else {
                continue;
            };
            tx.execute(statement).await?;
        }
        insert!("schema_migrations";
            version, name, applied_at = chrono::Utc::now().timestamp_millis(),
            checksum = checksum(sql))
        .run(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The versions applied, in order (for `/healthz` and tests).
pub async fn applied(store: &Store) -> Result<Vec<i64>> {
    sql!("SELECT version FROM schema_migrations ORDER BY version")
        .scalars(&store.read)
        .await
}

/// The latest schema version this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in `migrations/` is registered, once, in number order, under its own name.
    #[test]
    fn every_migration_file_is_registered_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("the migrations folder")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let registered: Vec<String> = MIGRATIONS
            .iter()
            .map(|(n, name, _)| format!("{n:04}_{name}.sql"))
            .collect();
        assert_eq!(registered, files);
    }

    #[test]
    fn statements_split_on_line_ends() {
        let s = statements("-- c\nCREATE TABLE a (x TEXT);\n\nCREATE INDEX i ON a (x);\n");
        assert_eq!(
            s,
            vec!["CREATE TABLE a (x TEXT)", "CREATE INDEX i ON a (x)"]
        );
    }

    #[test]
    fn backend_marked_statements_run_on_their_backend_only() {
        assert_eq!(
            for_backend("{sqlite} DROP TABLE a", Backend::Sqlite),
            Some("DROP TABLE a")
        );
        assert_eq!(
            for_backend("{sqlite} DROP TABLE a", Backend::Postgres),
            None
        );
        assert_eq!(
            for_backend("{postgres} ALTER TABLE a", Backend::Sqlite),
            None
        );
        assert_eq!(
            for_backend("CREATE TABLE a (x TEXT)", Backend::Postgres),
            Some("CREATE TABLE a (x TEXT)")
        );
    }

    #[test]
    fn dialect_placeholders() {
        assert!(dialect("id {id}", Backend::Sqlite).contains("AUTOINCREMENT"));
        assert!(dialect("b {blob}", Backend::Postgres).contains("BYTEA"));
    }
}
