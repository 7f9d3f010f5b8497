//! The questions people asked and where each stands (answered, offered, registered…).

use sqlx::{AnyConnection, Row};

use crate::domain::{Lang, PersonId, TicketId, TicketKind};
use crate::error::CoreResult;

use super::{Store, corrupt};
use crate::domain::{Question, QuestionState};

/// A new question to log.
#[derive(Debug, Clone)]
pub struct NewQuestion<'a> {
    pub person: PersonId,
    pub text: &'a str,
    pub lang: Lang,
    pub decision: &'a str,
    pub state: QuestionState,
    pub article: Option<crate::domain::ArticleKey>,
    pub suggested: Vec<crate::domain::ArticleKey>,
    /// Stored in thousandths: sqlx's `Any` driver fails on PostgreSQL when a float parameter
    /// is NULL in one execution and set in the next.
    pub confidence: Option<f32>,
    pub guessed_kind: TicketKind,
}

impl Store {
    pub async fn insert_question(
        conn: &mut AnyConnection,
        q: &NewQuestion<'_>,
        now: i64,
    ) -> CoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO questions (person_id, text, lang, decision, state, article, suggested, \
             confidence_pm, guessed_kind, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(q.person.0)
        .bind(q.text)
        .bind(q.lang.code())
        .bind(q.decision)
        .bind(q.state.code())
        .bind(q.article.as_ref().map(ToString::to_string))
        .bind((!q.suggested.is_empty()).then(|| {
            let keys: Vec<String> = q.suggested.iter().map(ToString::to_string).collect();
            keys.join(",")
        }))
        .bind(q.confidence.map(|c| (c * 1000.0).round() as i64))
        .bind(q.guessed_kind.code())
        .bind(now)
        .fetch_one(&mut *conn)
        .await?)
    }

    pub async fn question(conn: &mut AnyConnection, id: i64) -> CoreResult<Option<Question>> {
        let Some(r) = sqlx::query(
            "SELECT id, person_id, text, lang, state, article, suggested, guessed_kind, ticket_id \
             FROM questions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        else {
            return Ok(None);
        };
        let state: String = r.try_get("state")?;
        let lang: String = r.try_get("lang")?;
        let kind: String = r.try_get("guessed_kind")?;
        let suggested: Option<String> = r.try_get("suggested")?;
        let key =
            |s: &str| crate::domain::ArticleKey::parse(s).ok_or_else(|| corrupt("article key", s));
        let article: Option<String> = r.try_get("article")?;
        Ok(Some(Question {
            id: r.try_get("id")?,
            person: PersonId(r.try_get("person_id")?),
            text: r.try_get("text")?,
            lang: Lang::parse(&lang).map_err(|_| corrupt("lang", &lang))?,
            state: QuestionState::from_code(&state)
                .ok_or_else(|| corrupt("question state", &state))?,
            article: article.as_deref().map(key).transpose()?,
            suggested: suggested
                .as_deref()
                .map(|s| s.split(',').map(key).collect::<CoreResult<Vec<_>>>())
                .transpose()?
                .unwrap_or_default(),
            guessed_kind: TicketKind::from_code(&kind).ok_or_else(|| corrupt("kind", &kind))?,
            ticket: r
                .try_get::<Option<i64>, _>("ticket_id")?
                .map(TicketId::from_db),
        }))
    }

    /// Moves a question from `from` to `to` if it is still in `from`; `false` if it was not
    /// (a second press of the same button).
    pub async fn advance_question(
        conn: &mut AnyConnection,
        id: i64,
        from: QuestionState,
        to: QuestionState,
        article: Option<&crate::domain::ArticleKey>,
        ticket: Option<TicketId>,
        now: i64,
    ) -> CoreResult<bool> {
        let r = sqlx::query(
            "UPDATE questions SET state = $1, article = COALESCE($2, article), \
             ticket_id = COALESCE($3, ticket_id), updated_ms = $4 WHERE id = $5 AND state = $6",
        )
        .bind(to.code())
        .bind(article.map(ToString::to_string))
        .bind(ticket.map(TicketId::get))
        .bind(now)
        .bind(id)
        .bind(from.code())
        .execute(&mut *conn)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Drops every question of `person` still waiting for them; returns how many.
    pub async fn drop_pending_questions(
        conn: &mut AnyConnection,
        person: PersonId,
        now: i64,
    ) -> CoreResult<u64> {
        let r = sqlx::query(
            "UPDATE questions SET state = 'dropped', updated_ms = $1 \
             WHERE person_id = $2 AND state IN ('answered', 'suggested', 'choosing_kind')",
        )
        .bind(now)
        .bind(person.0)
        .execute(&mut *conn)
        .await?;
        Ok(r.rows_affected())
    }
}
