//! `lumbung user …`: accounts, from the command line.

use crate::shared::{self, table, Db};
use anyhow::{Context, Result};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Subcommand;
use lumbung_domain::{text, AreaCode, Password, Role, Scope, Username};
use lumbung_store::{Actor, ScopeRef, Store, User};
use std::io::{BufRead, IsTerminal, Write};

const PASSWORD_HELP: &str = "The password is read from stdin (--password-stdin, one line) or from the \
    environment variable LUMBUNG_PASSWORD, never from an argument. It must have at least 10 characters.";

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user with a role and a scope (global unless --area or --org is given)
    #[command(after_help = PASSWORD_HELP)]
    Add {
        /// Login name: 2–64 lowercase letters, digits, '.', '_' or '-'
        name: String,
        /// What the user may do
        #[arg(long, value_parser = role_parser(), ignore_case = true)]
        role: Role,
        /// Limit the role to this area and everything under it (an area code)
        #[arg(long, value_name = "CODE", conflicts_with = "org")]
        area: Option<String>,
        /// Limit the role to this organisation and those under it (an organisation id)
        #[arg(long, value_name = "ID")]
        org: Option<i64>,
        /// Read the password from the first line of stdin
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for a user (ends all their sessions)
    #[command(after_help = PASSWORD_HELP)]
    Passwd {
        /// Login name
        name: String,
        /// Read the password from the first line of stdin
        #[arg(long)]
        password_stdin: bool,
    },
    /// List all users with their role and scope
    List,
}

fn role_parser() -> impl TypedValueParser<Value = Role> {
    PossibleValuesParser::new(Role::ALL.map(Role::as_str))
        .map(|s| Role::parse(&s).expect("possible values are valid roles"))
}

/// `lumbung user …`.
pub fn run(db: &Db, command: UserCommand) -> Result<()> {
    let store = db.open()?;
    match command {
        UserCommand::Add {
            name,
            role,
            area,
            org,
            password_stdin,
        } => add(&store, &name, role, area.as_deref(), org, password_stdin),
        UserCommand::Passwd {
            name,
            password_stdin,
        } => passwd(&store, &name, password_stdin),
        UserCommand::List => list(&store),
    }
}

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
        stdin.lock().read_line(&mut line).with_context(|| {
            shared::Said(text!("password_stdin_unreadable";
                    id: "kata sandi tidak dapat dibaca dari stdin",
                    en: "cannot read the password from stdin"))
        })?;
        if line.is_empty() {
            return Err(shared::said(text!("password_stdin_empty";
                id: "--password-stdin: stdin kosong; berikan kata sandi sebagai baris pertamanya",
                en: "--password-stdin: stdin is empty; give the password as its first line")));
        }
        line
    } else {
        match std::env::var(PASSWORD_ENV) {
            Ok(pw) => pw,
            Err(std::env::VarError::NotPresent) => {
                return Err(shared::said(text!("no_password_given", var = PASSWORD_ENV;
                    id: "tidak ada kata sandi: pakai --password-stdin dan berikan kata sandi di stdin, atau isi {var} \
                         (kata sandi tidak pernah diambil dari argumen)",
                    en: "no password given: pass --password-stdin and give the password on stdin, or set {var} \
                         (passwords are never taken from arguments)")))
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(shared::said(
                    text!("password_env_not_utf8", var = PASSWORD_ENV;
                    id: "{var} bukan UTF-8 yang sah", en: "{var} is not valid UTF-8"),
                ))
            }
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
        (None, Some(id)) => ScopeRef::Org(lumbung_domain::OrgId::new(id)),
        (None, None) => ScopeRef::Global,
    };
    if store.user_by_name(&username)?.is_some() {
        return Err(shared::said(text!("cli_user_exists", username = username;
            id: "pengguna {username} sudah ada (pakai `lumbung user passwd {username}` untuk memasang kata sandi baru)",
            en: "user {username} already exists (use `lumbung user passwd {username}` to set a new password)")));
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
    let user = store.user_by_name(&username)?.with_context(|| {
        shared::Said(text!("cli_user_not_found", username = username;
                id: "pengguna {username} tidak ditemukan", en: "user {username} not found"))
    })?;
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
