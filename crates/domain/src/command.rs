//! Staff and client commands: parsing `/label@PetWealthParentsBot Олена` into a [`Command`].

/// A command the bot understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/start` (clients).
    Start,
    /// `/phone` or `/client`: the client card.
    Card,
    /// `/enote_link`.
    EnoteLink,
    /// `/patient`.
    Patient,
    /// `/auto_label`.
    AutoLabel,
    /// `/label <text>`; the text may be empty (then usage is shown).
    Label(String),
    /// `/assign [@username]`.
    Assign(Option<String>),
    /// `/close`.
    Close,
    /// `/close_silent`.
    CloseSilent,
    /// `/reopen`.
    Reopen,
    /// `/help`.
    Help,
    /// `/cancel`: stop waiting for a contract number (`/enote_link`).
    Cancel,
    /// `/queue`: the open appeals, those waiting for an answer first (anywhere in the group).
    Queue,
    /// `/report [days]`: the staff's report (anywhere in the group); the arguments as typed.
    Report(String),
    /// Any other `/word`.
    Unknown(String),
}

/// The staff commands, for `setMyCommands` (group scope) and `/help`; what each does is in
/// [`crate::texts::STAFF_MENU`].
pub const STAFF_COMMANDS: &[(&str, &str)] = crate::texts::STAFF_MENU;

/// The client commands, for `setMyCommands` (private scope).
pub const CLIENT_COMMANDS: &[(&str, &str)] = crate::texts::CLIENT_MENU;

impl Command {
    /// Parses a message text. `None` when it is not a command, or a command addressed to
    /// another bot (`/help@OtherBot`).
    pub fn parse(text: &str, bot_username: Option<&str>) -> Option<Command> {
        let text = text.trim_start();
        let rest = text.strip_prefix('/')?;
        let (head, args) = match rest.find(char::is_whitespace) {
            Some(i) => (&rest[..i], rest[i..].trim()),
            None => (rest, ""),
        };
        let (name, target) = match head.split_once('@') {
            Some((n, t)) => (n, Some(t)),
            None => (head, None),
        };
        if let (Some(target), Some(me)) = (target, bot_username)
            && !target.eq_ignore_ascii_case(me.trim_start_matches('@'))
        {
            return None;
        }
        // Telegram commands are [A-Za-z0-9_]; "//note" or "/ text" are not commands.
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let arg = || {
            let a = args.split_whitespace().next().unwrap_or("");
            (!a.is_empty()).then(|| a.trim_start_matches('@').to_owned())
        };
        Some(match name.to_ascii_lowercase().as_str() {
            "start" => Command::Start,
            "phone" | "client" => Command::Card,
            "enote_link" => Command::EnoteLink,
            "patient" => Command::Patient,
            "auto_label" => Command::AutoLabel,
            "label" => Command::Label(args.to_owned()),
            "assign" => Command::Assign(arg()),
            "close" => Command::Close,
            "close_silent" => Command::CloseSilent,
            "reopen" => Command::Reopen,
            "help" => Command::Help,
            "cancel" => Command::Cancel,
            "queue" => Command::Queue,
            "report" => Command::Report(args.to_owned()),
            _ => Command::Unknown(name.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        let bot = Some("PetWealthParentsBot");
        let cases = [
            ("/phone", Some(Command::Card)),
            ("/client", Some(Command::Card)),
            ("/phone@PetWealthParentsBot", Some(Command::Card)),
            ("/phone@petwealthparentsbot", Some(Command::Card)),
            ("/phone@OtherBot", None),
            (
                "/label  Олена — Барсік (1001) ",
                Some(Command::Label("Олена — Барсік (1001)".into())),
            ),
            ("/label", Some(Command::Label(String::new()))),
            (
                "/assign @marta",
                Some(Command::Assign(Some("marta".into()))),
            ),
            ("/assign", Some(Command::Assign(None))),
            ("/close_silent", Some(Command::CloseSilent)),
            ("/CLOSE", Some(Command::Close)),
            ("/reopen", Some(Command::Reopen)),
            ("/enote_link", Some(Command::EnoteLink)),
            ("/auto_label", Some(Command::AutoLabel)),
            ("/patient", Some(Command::Patient)),
            ("/help", Some(Command::Help)),
            ("/start", Some(Command::Start)),
            ("/queue", Some(Command::Queue)),
            ("/queue@PetWealthParentsBot", Some(Command::Queue)),
            ("/report", Some(Command::Report(String::new()))),
            ("/report 7", Some(Command::Report("7".into()))),
            (
                "/report@PetWealthParentsBot 30",
                Some(Command::Report("30".into())),
            ),
            ("/pay", Some(Command::Unknown("pay".into()))),
            ("hello /phone", None),
            ("/", None),
            ("//note", None),
            ("just text", None),
        ];
        for (text, want) in cases {
            assert_eq!(Command::parse(text, bot), want, "{text:?}");
        }
    }

    #[test]
    fn staff_menu_lists_every_staff_command() {
        for (name, _) in STAFF_COMMANDS {
            let parsed = Command::parse(&format!("/{name}"), None).unwrap();
            assert!(!matches!(parsed, Command::Unknown(_)), "{name}");
        }
    }
}
