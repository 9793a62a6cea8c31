//! PostgreSQL behind [`super::Connection`]: placeholders rewritten, values
//! mapped onto SQLite's storage classes both ways, statements kept
//! prepared, immediate transactions serialised by an advisory lock.
//!
//! Each connection's client lives on a thread of its own: the `postgres`
//! client blocks on a runtime of its own, which a thread driving async
//! tasks may not do (an async test, a server dropping its pool), so every
//! call is handed to that thread and waited for.

use super::{Error, Params, PgCache, Result, TransactionBehavior, Value, ValueRef};
use postgres::types::{IsNull, Kind, Type};
use std::sync::mpsc;

/// The advisory lock every immediate transaction takes: writers one at a
/// time, as SQLite's, so each rule checked inside a write transaction sees
/// every earlier write ("LMBG").
const WRITE_LOCK: i64 = 0x4c4d_4247;
/// The first key of each UPK's lock ("LMBF"), the UPK's id the second.
const FUND_LOCK: i32 = 0x4c4d_4246;

pub struct PgManager {
    target: super::tls::Target,
}

impl PgManager {
    pub fn new(target: super::tls::Target) -> PgManager {
        PgManager { target }
    }

    pub fn connect(&self) -> Result<PgConnection> {
        let config = self.target.config.clone();
        let tls = self.target.tls.clone();
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (ready, connected) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("lumbung-pg".into())
            .spawn(move || {
                let mut client = match config.connect(tls) {
                    Ok(client) => {
                        let _ = ready.send(Ok(()));
                        client
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                // Until the connection is dropped (its sender with it).
                for job in inbox {
                    job(&mut client);
                }
            })
            .map_err(|e| Error::Parameter(format!("a connection's thread: {e}")))?;
        connected
            .recv()
            .map_err(|_| Error::Parameter("the connection's thread ended".into()))??;
        Ok(PgConnection {
            jobs,
            cache: Default::default(),
        })
    }
}

type Job = Box<dyn FnOnce(&mut postgres::Client) + Send>;

pub struct PgConnection {
    jobs: mpsc::Sender<Job>,
    cache: PgCache,
}

pub struct PgStatement<'c> {
    conn: &'c PgConnection,
    stmt: postgres::Statement,
}

impl PgConnection {
    /// Runs `f` with the client on the connection's thread and waits.
    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> T + Send + 'static,
    ) -> Result<T> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.jobs
            .send(Box::new(move |client| {
                let _ = reply.send(f(client));
            }))
            .map_err(|_| Error::Parameter("the connection's thread ended".into()))?;
        answer
            .recv()
            .map_err(|_| Error::Parameter("the connection's thread ended".into()))
    }

    pub fn is_closed(&self) -> bool {
        self.call(|c| c.is_closed()).unwrap_or(true)
    }

    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        let sql = sql.to_owned();
        Ok(self.call(move |c| c.batch_execute(&sql))??)
    }

    pub fn prepare(&self, sql: &str) -> Result<PgStatement<'_>> {
        if let Some(stmt) = self.cache.borrow().get(sql) {
            return Ok(PgStatement {
                conn: self,
                stmt: stmt.clone(),
            });
        }
        let translated = translate(sql);
        let stmt = self.call(move |c| c.prepare(&translated))??;
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= super::PG_CACHED {
            cache.clear();
        }
        cache.insert(sql.to_owned(), stmt.clone());
        Ok(PgStatement { conn: self, stmt })
    }

    pub fn begin(&self, behavior: TransactionBehavior) -> Result<()> {
        self.execute_batch(&match behavior {
            TransactionBehavior::Deferred => "BEGIN ISOLATION LEVEL REPEATABLE READ".to_owned(),
            TransactionBehavior::Immediate => {
                format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            }
            TransactionBehavior::UpkWrites => {
                format!("BEGIN; SELECT pg_advisory_xact_lock_shared({WRITE_LOCK})")
            }
        })
    }

    /// Each UPK's lock (a key of 32 bits each: two ids sharing one only
    /// wait for each other), taken in the keys' order in one statement.
    pub fn lock_upks(&self, upks: &[i64]) -> Result<()> {
        let mut keys: Vec<i32> = upks.iter().map(|&u| u as i32).collect();
        keys.sort_unstable();
        keys.dedup();
        let values: Vec<String> = keys.iter().map(|k| format!("({k})")).collect();
        self.execute_batch(&format!(
            "SELECT count(pg_advisory_xact_lock({FUND_LOCK}, k)) FROM
             (SELECT k FROM (VALUES {}) v(k) ORDER BY k) s",
            values.join(",")
        ))
    }
}

impl PgStatement<'_> {
    fn values(&self, params: impl Params) -> Result<Vec<Value>> {
        let mut values = Vec::new();
        params.bind_each(&mut |_, v| {
            values.push(v.to_owned());
            Ok(())
        })?;
        let expected = self.stmt.params().len();
        if values.len() != expected {
            return Err(Error::Parameter(format!(
                "{} given where the statement takes {expected}",
                values.len()
            )));
        }
        Ok(values)
    }

    pub fn execute(&mut self, params: impl Params) -> Result<usize> {
        let (values, stmt) = (self.values(params)?, self.stmt.clone());
        let n = self
            .conn
            .call(move |c| c.execute(&stmt, &refs(&values)))??;
        Ok(n as usize)
    }

    pub fn query(&mut self, params: impl Params) -> Result<Vec<postgres::Row>> {
        let (values, stmt) = (self.values(params)?, self.stmt.clone());
        Ok(self.conn.call(move |c| c.query(&stmt, &refs(&values)))??)
    }
}

fn refs(values: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    values
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

/// `?1` → `$1`, a bare `?` → the next number; quoted text and names are
/// left as they are.
pub fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 0usize;
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let n = match digits.parse::<usize>() {
                    Ok(n) => n,
                    Err(_) => {
                        next += 1;
                        next
                    }
                };
                next = next.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            None => out.push(c),
        }
    }
    out
}

/// A column's value as one of SQLite's storage classes.
pub fn cell(row: &postgres::Row, index: usize) -> Result<ValueRef<'_>> {
    Ok(row.try_get::<_, Cell<'_>>(index)?.0)
}

struct Cell<'a>(ValueRef<'a>);

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl<'a> postgres::types::FromSql<'a> for Cell<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let v = match *ty {
            Type::INT8 => ValueRef::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => ValueRef::Integer(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => ValueRef::Integer(i16::from_sql(ty, raw)?.into()),
            Type::OID => ValueRef::Integer(u32::from_sql(ty, raw)?.into()),
            Type::BOOL => ValueRef::Integer(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => ValueRef::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => ValueRef::Real(f32::from_sql(ty, raw)?.into()),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => ValueRef::Blob(raw),
            _ if is_text(ty) => ValueRef::Text(std::str::from_utf8(raw)?),
            _ => return Err(format!("a column of type {ty} cannot be read").into()),
        };
        Ok(Cell(v))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Cell(ValueRef::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

fn is_text(ty: &Type) -> bool {
    matches!(
        *ty,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
    ) || matches!(ty.kind(), Kind::Domain(t) if is_text(t))
}

/// PostgreSQL's binary NUMERIC (what `sum` of integers gives): an integer
/// when it has no fraction and fits, else a float.
fn numeric(raw: &[u8]) -> Result<ValueRef<'static>, BoxError> {
    let word = |i: usize| -> Result<i16, BoxError> {
        raw.get(i..i + 2)
            .map(|b| i16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a numeric cut short".into())
    };
    let (ndigits, weight, sign, scale) = (word(0)?, word(2)?, word(4)? as u16, word(6)?);
    if sign == 0xC000 {
        return Ok(ValueRef::Real(f64::NAN));
    }
    let negative = sign == 0x4000;
    let mut whole: i128 = 0;
    let mut fraction = 0f64;
    for i in 0..ndigits.max(0) as i32 {
        let digit = word(8 + 2 * i as usize)? as i128;
        let power = weight as i32 - i;
        if power >= 0 {
            whole = whole
                .checked_mul(10_000)
                .and_then(|w| w.checked_add(digit))
                .ok_or("a numeric too large")?;
        } else {
            fraction += digit as f64 * 10_000f64.powi(power);
        }
    }
    // Digits missing after the last one given are zeros of the whole part.
    let trailing = weight as i32 - (ndigits as i32 - 1);
    for _ in 0..trailing.max(0) {
        whole = whole.checked_mul(10_000).ok_or("a numeric too large")?;
    }
    let whole = if negative { -whole } else { whole };
    if scale == 0 || fraction == 0.0 {
        if let Ok(i) = i64::try_from(whole) {
            return Ok(ValueRef::Integer(i));
        }
    }
    let f = whole as f64 + if negative { -fraction } else { fraction };
    Ok(ValueRef::Real(f))
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, BoxError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                _ if is_text(ty) => i.to_string().as_str().to_sql(ty, out),
                _ => Err(format!("an integer where {ty} is expected").into()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ if is_text(ty) => f.to_string().as_str().to_sql(ty, out),
                _ => Err(format!("a real number where {ty} is expected").into()),
            },
            Value::Text(t) => match *ty {
                Type::INT8 => t.parse::<i64>()?.to_sql(ty, out),
                Type::INT4 => t.parse::<i32>()?.to_sql(ty, out),
                Type::FLOAT8 => t.parse::<f64>()?.to_sql(ty, out),
                Type::BYTEA => t.as_bytes().to_sql(ty, out),
                _ => t.as_str().to_sql(&Type::TEXT, out),
            },
            Value::Blob(b) => b.as_slice().to_sql(&Type::BYTEA, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// An error with the server's own words and where they point.
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => match d.detail() {
            Some(detail) => format!("{}: {} ({detail})", d.severity(), d.message()),
            None => format!("{}: {}", d.severity(), d.message()),
        },
        // The driver's words with their causes ("error performing TLS
        // handshake: invalid peer certificate: UnknownIssuer").
        None => {
            let mut said = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                said = format!("{said}: {c}");
                cause = c.source();
            }
            said
        }
    }
}

pub fn is_busy(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    e.code().is_some_and(|c| {
        [
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::LOCK_NOT_AVAILABLE,
        ]
        .contains(c)
    })
}

pub fn is_unreachable(e: &postgres::Error) -> bool {
    match e.code() {
        // No answer from a server at all (the socket, the handshake).
        None => true,
        // Connection exceptions (08…), operator intervention (57P0…:
        // shutdown, recovery), recovery conflicts (40001 on a standby).
        Some(code) => {
            let code = code.code();
            code.starts_with("08") || code.starts_with("57P0") || is_busy(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_and_quotes_are_kept() {
        assert_eq!(
            translate("SELECT a FROM t WHERE b = ?1 AND c = ?2 OR d = ?1"),
            "SELECT a FROM t WHERE b = $1 AND c = $2 OR d = $1"
        );
        assert_eq!(translate("VALUES (?, ?, ?)"), "VALUES ($1, $2, $3)");
        assert_eq!(
            translate("SELECT '?1', \"a?\" WHERE x = ?12"),
            "SELECT '?1', \"a?\" WHERE x = $12"
        );
    }

    fn encode(ndigits: i16, weight: i16, sign: u16, scale: i16, digits: &[i16]) -> Vec<u8> {
        let mut v = Vec::new();
        for w in [ndigits, weight, sign as i16, scale] {
            v.extend(w.to_be_bytes());
        }
        for d in digits {
            v.extend(d.to_be_bytes());
        }
        v
    }

    #[test]
    fn numerics_read_as_integers_when_whole() {
        // 1234567890123 = 1|2345|6789|0123 with weight 3
        let raw = encode(4, 3, 0, 0, &[1, 2345, 6789, 123]);
        assert_eq!(numeric(&raw).unwrap(), ValueRef::Integer(1_234_567_890_123));
        // 20000 = 2 with weight 1 (trailing zero group left out)
        assert_eq!(
            numeric(&encode(1, 1, 0, 0, &[2])).unwrap(),
            ValueRef::Integer(20_000)
        );
        assert_eq!(
            numeric(&encode(1, 0, 0x4000, 0, &[7])).unwrap(),
            ValueRef::Integer(-7)
        );
        assert_eq!(
            numeric(&encode(0, 0, 0, 0, &[])).unwrap(),
            ValueRef::Integer(0)
        );
        // 1.5
        assert_eq!(
            numeric(&encode(2, 0, 0, 1, &[1, 5000])).unwrap(),
            ValueRef::Real(1.5)
        );
    }
}
