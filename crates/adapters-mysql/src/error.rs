//! Error translation at the boundary: sea-orm/sqlx errors become the domain's [`StoreError`]
//! (what a caller can act on), and [`DatabaseError`] covers opening and migrating.

use domain::ports::StoreError;
use sea_orm::sqlx;
use sea_orm::sqlx::error::DatabaseError as _;
use sea_orm::{DbErr, RuntimeErr};

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The URL is not one we support (`mysql://…`, `mariadb://…`, `sqlite:…`).
    #[error("unsupported database URL scheme (expected mysql://, mariadb:// or sqlite:): {0}")]
    UnsupportedUrl(String),
    /// The server cannot be reached or refused the connection.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] DbErr),
    /// A migration failed; the schema is as the last successful step left it.
    #[error("migration failed: {0}")]
    Migrate(#[source] DbErr),
    /// Any other failure (a PRAGMA on connect, a ping).
    #[error("database error: {0}")]
    Other(#[source] DbErr),
}

impl From<DatabaseError> for StoreError {
    fn from(e: DatabaseError) -> Self {
        match e {
            DatabaseError::Connect(_) => StoreError::Unavailable(e.to_string()),
            other => StoreError::Other(other.to_string()),
        }
    }
}

/// What kind of database failure this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Unreachable, pool exhausted, connection dropped.
    Unavailable,
    /// Lost a race for a lock (MySQL deadlock / lock wait, SQLite busy): retrying the whole
    /// transaction is safe because it was rolled back.
    Contention,
    /// A unique key refused the write.
    Unique,
    /// A value could not be decoded (a legacy row with an impossible value).
    Corrupt,
    /// Anything else.
    Other,
}

fn sqlx_error(e: &DbErr) -> Option<&sqlx::Error> {
    match e {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

pub(crate) fn kind(e: &DbErr) -> Kind {
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return Kind::Unavailable,
        DbErr::Type(_) | DbErr::Json(_) | DbErr::TryIntoErr { .. } => return Kind::Corrupt,
        _ => {}
    }
    let Some(sqlx_err) = sqlx_error(e) else {
        return Kind::Other;
    };
    match sqlx_err {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => Kind::Unavailable,
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => Kind::Corrupt,
        sqlx::Error::Database(db) => {
            if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
                match my.number() {
                    // ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
                    1213 | 1205 => return Kind::Contention,
                    // server shutting down, connection killed, read-only (failover)
                    1053 | 1927 | 2006 | 2013 | 1290 => return Kind::Unavailable,
                    _ => {}
                }
            }
            if let Some(lite) = db.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                let primary = lite
                    .code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .map(|c| c & 0xff);
                // SQLITE_BUSY, SQLITE_LOCKED (and their extended codes)
                if matches!(primary, Some(5 | 6)) {
                    return Kind::Contention;
                }
            }
            match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => Kind::Unique,
                _ => Kind::Other,
            }
        }
        _ => Kind::Other,
    }
}

/// Translates a database error into the domain's terms.
pub(crate) fn store_err(e: DbErr) -> StoreError {
    let text = e.to_string();
    match kind(&e) {
        Kind::Unavailable => StoreError::Unavailable(text),
        Kind::Contention => StoreError::Unavailable(format!("database busy, retry: {text}")),
        Kind::Unique => StoreError::Conflict(text),
        Kind::Corrupt => StoreError::Corrupt(text),
        Kind::Other => StoreError::Other(text),
    }
}
