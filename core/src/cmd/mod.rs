//! What people can do, one module per command or tight family of commands. Each is a
//! function over the [`Desk`] (the event's transaction, the knowledge base, the
//! configuration) and the [`Turn`] (who speaks, what is said back), next to what it needs
//! and nothing else; the engine parses a message once into a typed command and hands it
//! here. The commands' names, arguments, roles and help live in [`crate::commands`].

pub(crate) mod admin;
pub(crate) mod announce;
pub mod ask;
mod button;
mod claim;
pub(crate) mod duty;
pub(crate) mod fields;
pub(crate) mod find;
pub(crate) mod kb;
mod learn;
pub(crate) mod macros;
pub(crate) mod org;
pub(crate) mod problem;
pub(crate) mod queue;
mod register;
pub(crate) mod reply;
pub(crate) mod resolution;
pub(crate) mod status;
mod talk;
pub(crate) mod text;
mod thread;
pub mod transcript;
pub(crate) mod user;

pub(crate) use button::button;
pub(crate) use status::claim_button;
pub(crate) use text::text;

use crate::agent::AgentCommand;
use crate::desk::{Acting, Desk, Done, Turn};
use crate::staff::StaffMember;

/// Runs an agent's or admin's command; every command checks the sender's role and lines
/// before it changes anything.
pub(crate) async fn staff(
    desk: &mut Desk<'_>,
    turn: &mut Turn<'_>,
    me: &StaffMember,
    cmd: AgentCommand,
) -> Done {
    if let Some(id) = cmd.ticket() {
        // Whatever a command does to a ticket, its deadlines follow.
        turn.touched.insert(id);
    }
    use AgentCommand as C;
    let a = &mut Acting { desk, turn, me };
    match cmd {
        C::Queue(view) => queue::queue(a, view).await,
        C::Mine => queue::mine(a).await,
        C::Duty(cmd) => duty::run(a, cmd).await,
        C::Problem(cmd) => problem::run(a, cmd).await,
        C::Link(id, p) => problem::link(a, id, p).await,
        C::Find(query) => find::find(a, query).await,
        C::Macro(cmd) => macros::run(a, cmd).await,
        C::Assign(id, name) => claim::assign(a, id, &name).await,
        C::Stats => queue::stats(a).await,
        C::AgentStats => queue::agent_stats(a).await,
        C::Claim(id) => claim::claim(a, id).await,
        C::Release(id) => claim::release(a, id).await,
        C::Reply(id, text) => reply::reply(a, id, &text, false).await,
        C::Ask(id, text) => reply::reply(a, id, &text, true).await,
        C::Note(id, text) => reply::note(a, id, &text).await,
        C::Answer(id, slug) => reply::answer(a, id, &slug).await,
        C::Priority(id, p, reason) => fields::priority(a, id, p, &reason).await,
        C::Type(id, kind) => fields::kind(a, id, kind).await,
        C::Hours(id, minutes, note) => fields::hours(a, id, minutes, &note).await,
        C::Resolve(id) => status::resolve(a, id).await,
        C::Reopen(id) => status::reopen(a, id).await,
        C::Escalate(id, line, reason) => status::escalate(a, id, line, &reason).await,
        C::Transcript(id) => transcript::transcript(a, id).await,
        C::Staff(cmd) => admin::staff(a, cmd).await,
        C::Org(cmd) => org::run(a, cmd).await,
        C::Announce(cmd) => announce::run(a, cmd).await,
        C::Block(channel, id, reason) => admin::block(a, channel, &id, &reason).await,
        C::Unblock(channel, id) => admin::unblock(a, channel, &id).await,
        C::Forget(channel, id) => admin::forget(a, channel, &id).await,
        C::Kb(cmd) => kb::run(a, cmd).await,
    }
}
