//! `lumbung user …`: accounts, from the command line.

use crate::table;
use anyhow::{bail, Context, Result};
use lumbung_domain::{AreaCode, Password, Role, Scope, Username};
use lumbung_store::{Actor, ScopeRef, Store, User};
use std::io::{BufRead, IsTerminal, Write};

/// The environment variable a password may come from.
pub const PASSWORD_ENV: &str = "LUMBUNG_PASSWORD";

/// The new password: the first line of stdin with `--password-stdin`, else
/// `LUMBUNG_PASSWORD`. Never an argument, so it stays out of shell
/// histories and process listings.
pub fn read_password(from_stdin: bool) -> Result<Password> {
    let raw = if from_stdin {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            eprint!("Password (shown as you type): ");
            let _ = std::io::stderr().flush();
        }
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        if line.is_empty() {
            bail!("--password-stdin: stdin is empty; give the password as its first line");
        }
        line
    } else {
        match std::env::var(PASSWORD_ENV) {
            Ok(pw) => pw,
            Err(std::env::VarError::NotPresent) => bail!(
                "no password given: pass --password-stdin and give the password on stdin, or set {PASSWORD_ENV} \
                 (passwords are never taken from arguments)"
            ),
            Err(std::env::VarError::NotUnicode(_)) => bail!("{PASSWORD_ENV} is not valid UTF-8"),
        }
    };
    Ok(Password::parse(&raw)?)
}

pub fn add(
    store: &Store,
    name: &str,
    role: Role,
    area: Option<&str>,
    org: Option<i64>,
    password_stdin: bool,
) -> Result<()> {
    let username = Username::parse(name)?;
    let scope = match (area, org) {
        (Some(code), _) => ScopeRef::Area(AreaCode::parse(code)?),
        (None, Some(id)) => ScopeRef::Org(id),
        (None, None) => ScopeRef::Global,
    };
    if store.user_by_name(&username)?.is_some() {
        bail!("user {username} already exists (use `lumbung user passwd {username}` to set a new password)");
    }
    // Checked before the password is read, so a typo costs no retyping.
    store.resolve_scope(&scope)?;
    let password = read_password(password_stdin)?;
    let user = store.create_user(&username, &password, role, &scope, &Actor::cli())?;
    println!(
        "added user {} ({}, {})",
        user.username,
        user.role,
        scope_label(&user)
    );
    Ok(())
}

pub fn passwd(store: &Store, name: &str, password_stdin: bool) -> Result<()> {
    let username = Username::parse(name)?;
    let user = store
        .user_by_name(&username)?
        .with_context(|| format!("user {username} not found"))?;
    let password = read_password(password_stdin)?;
    store.set_password(user.id, &password, &Actor::cli())?;
    println!(
        "password of {} changed; their sessions have ended",
        user.username
    );
    Ok(())
}

pub fn list(store: &Store) -> Result<()> {
    let users = store.users(&Scope::Global)?;
    if users.is_empty() {
        eprintln!(
            "no users yet; add one with `lumbung user add NAME --role admin --password-stdin`"
        );
        return Ok(());
    }
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| vec![u.username.clone(), u.role.to_string(), scope_label(u)])
        .collect();
    print!("{}", table::render(&["NAME", "ROLE", "SCOPE"], &rows));
    Ok(())
}

/// "global", "area 3604 KABUPATEN SERANG" or "org 5 BKM Ciruas Sejahtera".
pub fn scope_label(user: &User) -> String {
    let name = user
        .scope_name
        .as_deref()
        .map(|n| format!(" {n}"))
        .unwrap_or_default();
    match &user.scope {
        Scope::Global => "global".to_owned(),
        Scope::Area { code, .. } => format!("area {code}{name}"),
        Scope::Org { id, .. } => format!("org {id}{name}"),
    }
}
