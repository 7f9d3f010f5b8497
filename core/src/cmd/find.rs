//! `/find WORDS`, `/find @USER`, `/find #N`: tickets by the words of their thread (stemmed,
//! so word forms match in Russian and English), by requester, or by number; the 10 best,
//! newest first among equals.

use crate::desk::{Acting, Done};
use crate::domain::TicketId;
use crate::i18n::staff::{Ack, Listing};
use crate::store::Store;

/// Tickets `/find` shows at most.
const FIND_LIMIT: i64 = 10;

/// What `/find` looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindQuery {
    Words(String),
    Requester(String),
    Number(TicketId),
}

pub(crate) fn parse(args: &str) -> Result<FindQuery, &'static str> {
    let args = args.trim();
    if args.is_empty() {
        return Err("words, @USER or #N");
    }
    if let Some(who) = args.strip_prefix('@') {
        return match who.trim() {
            "" => Err("a requester's name or id after @"),
            who => Ok(FindQuery::Requester(who.to_string())),
        };
    }
    if args.starts_with('#')
        && let Ok(id) = TicketId::parse(args)
    {
        return Ok(FindQuery::Number(id));
    }
    Ok(FindQuery::Words(args.to_string()))
}

pub(crate) async fn find(a: &mut Acting<'_, '_, '_>, query: FindQuery) -> Done {
    let (tickets, said) = match &query {
        FindQuery::Words(words) => (
            Store::find_tickets(a.desk.conn, words, FIND_LIMIT).await?,
            words.clone(),
        ),
        FindQuery::Requester(who) => (
            Store::find_tickets_of(a.desk.conn, who, FIND_LIMIT).await?,
            format!("@{who}"),
        ),
        FindQuery::Number(id) => (
            Store::ticket(a.desk.conn, *id).await?.into_iter().collect(),
            id.to_string(),
        ),
    };
    if tickets.is_empty() {
        a.turn.ack(Ack::NothingFound { query: &said });
        return Ok(());
    }
    let lang = a.turn.person.lang;
    let left: Vec<Option<String>> = tickets
        .iter()
        .map(|t| a.desk.config.sla.sla_line(t, a.turn.now, lang))
        .collect();
    a.turn.ack(Ack::Queue {
        listing: Listing::Found,
        tickets: &tickets,
        left: &left,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_queries_parse() {
        assert_eq!(parse("@uma"), Ok(FindQuery::Requester("uma".into())));
        assert_eq!(
            parse("#12"),
            Ok(FindQuery::Number(TicketId::parse("12").expect("id")))
        );
        assert_eq!(
            parse("printer jam"),
            Ok(FindQuery::Words("printer jam".into()))
        );
        assert_eq!(parse("#printer"), Ok(FindQuery::Words("#printer".into())));
        assert!(parse("").is_err());
        assert!(parse("@").is_err());
    }
}
