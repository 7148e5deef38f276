//! Running counts behind the QĐ 766/QĐ-TTg indicators: what one dossier adds to the tally of its unit on each
//! local day, so the indices of any day-aligned period come from a few hundred summed rows instead of every
//! dossier of the period.
//!
//! A dossier's [`contributions`] are the counts it adds, each on the local day (Asia/Ho_Chi_Minh) of the event
//! that decides it: the day it was received, the day it ended, the day it became late. When a dossier changes,
//! the store subtracts its old contributions and adds its new ones in the same transaction, so the tally always
//! equals a recomputation from the dossiers themselves ([`compute_indices`] is the reference;
//! `indicators_match_a_recomputation` below checks the two agree on random histories).
//!
//! Two kinds of columns:
//! - **events**, summed over the days of the period (received, completed, finished in the period…);
//! - **balances**, `+1` on the day a dossier enters a state and `−1` on the day it leaves it, summed over every
//!   day up to the period's last: how many dossiers were in that state at the period's end. QĐ 766 2.1 judges a
//!   dossier still in progress at the end of the period ("unfinished dossiers use the period end date"), so the
//!   on-time rate needs how many were open, and how many of those were not yet late, at that instant.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{DossierRecord, Indicator, compute_from_counts};
use crate::dossiers::{Channel, DossierStatus, Rating};
use crate::time::TZ;

/// Defines [`IndexCounts`] with its column names in one place, so the store's SQL and the arithmetic cannot drift.
macro_rules! index_counts {
    ($($(#[$doc:meta])* $field:ident),* $(,)?) => {
        /// Tally of dossiers of one unit and one local day (or a sum of such tallies). Every field is a count
        /// except `completed_days` (a sum of working days).
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct IndexCounts {
            $($(#[$doc])* pub $field: i64,)*
        }

        impl IndexCounts {
            /// Column names, in the order of [`IndexCounts::values`]; the store uses them as SQL column names.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// The fields in [`IndexCounts::COLUMNS`] order.
            pub fn values(&self) -> Vec<i64> {
                vec![$(self.$field),*]
            }

            /// Builds a tally from values in [`IndexCounts::COLUMNS`] order (missing values are 0).
            pub fn from_values(values: &[i64]) -> Self {
                let mut it = values.iter().copied();
                Self { $($field: it.next().unwrap_or(0),)* }
            }

            /// Adds `other` times `sign` (+1 or −1) to `self`.
            pub fn add_scaled(&mut self, other: &Self, sign: i64) {
                $(self.$field += sign * other.$field;)*
            }

            /// Whether every field is 0 (nothing to write).
            pub fn is_zero(&self) -> bool {
                true $(&& self.$field == 0)*
            }
        }
    };
}

index_counts! {
    /// Events on the day of reception: dossiers received (3.3, 4.3, 3.6 populations; the `dossiers` count).
    received,
    /// Received online with an e-result when the result is on paper (3.3 numerator).
    received_online,
    /// Received, with fees that are not all 0 or waived (3.6 denominator).
    fees_due,
    /// Received with fees due and paid online (3.6 numerator).
    paid_online,
    /// Received with a component reused from digitised data (4.3 numerator).
    reused,
    /// Balance on the day of reception: not yet in a final status (the operations centre's "open").
    open_now,
    /// Balance: judged for 2.1 (accepted, not withdrawn) and still in progress; +1 on reception, −1 on its end.
    judged_open,
    /// Balance: judged, in progress and not yet late; −1 on its end or on the day after which it is late.
    judged_open_on_time,
    /// Balance: judged, in progress, with a complaint or a "không hài lòng" rating.
    judged_open_complained,
    /// Events on the day it ended: every dossier with an end (the `dossiers` count of a period excludes those
    /// that ended before it).
    finished,
    /// Ended with a result (processed or result returned): 2.2 and 4.2 population.
    completed,
    /// Completed with attached components and an e-result (4.2 numerator).
    completed_digitised,
    /// Completed with a processing time (2.2 denominator).
    completed_timed,
    /// Working days of the completed dossiers (2.2 numerator).
    completed_days,
    /// Judged (accepted, not withdrawn) and ended on that day (2.1 and 5.4 population).
    judged_finished,
    /// Judged, ended on that day, on time (2.1 numerator).
    judged_finished_on_time,
    /// Judged, ended on that day, with a complaint or a "không hài lòng" rating (5.4).
    judged_finished_complained,
    /// Balance on the day of its current appointment date: open, running (not paused for a supplement) and
    /// with an appointment; summed over the days before today it gives the dossiers overdue now.
    running_due,
}

/// What the operations centre needs of a dossier besides its index record: whether it is still open and, if
/// its clock runs, its current appointment (moved by an extension, form 04).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveState {
    /// Not in a final status and not ended.
    pub open: bool,
    /// The current appointment date while open and not paused for a supplement.
    pub running_due_at: Option<DateTime<Utc>>,
}

/// The local (Huế) date of an instant: the day a tally row belongs to.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&TZ).date_naive()
}

/// Until when a dossier counts as on time if judged while still in progress: the appointment date pushed back by
/// every supplement pause that starts before it (QĐ 766 2.1 subtracts supplement time). `None` when it can never
/// be on time (more than one supplement request, or no appointment); `Some(None)` when it cannot become late
/// (paused for a supplement that is still open before its appointment).
///
/// Judged at `t`, the dossier is on time exactly when `t` ≤ this instant: the processing time `t − pauses(t)`
/// grows with `t`, and the pauses recorded never overlap (closed pauses lie between acceptance and the open one).
fn on_time_until(record: &DossierRecord) -> Option<Option<DateTime<Utc>>> {
    let due = record.due_at?;
    if record.supplement_requests > 1 {
        return None;
    }
    let mut pauses = record.supplement_pauses.clone();
    pauses.sort_by_key(|p| p.requested_at);
    let mut until = due;
    for p in pauses {
        if p.requested_at > until {
            break;
        }
        match p.submitted_at {
            Some(end) => until += (end - p.requested_at).max(chrono::TimeDelta::zero()),
            None => return Some(None),
        }
    }
    Some(Some(until))
}

/// The counts `record` adds to its unit's tally, by local day. Adding these up over every dossier gives the
/// tallies [`indicators_from_counts`] reads.
pub fn contributions(record: &DossierRecord, live: &LiveState) -> Vec<(NaiveDate, IndexCounts)> {
    let mut out: Vec<(NaiveDate, IndexCounts)> = Vec::new();
    let mut add = |day: NaiveDate, f: &dyn Fn(&mut IndexCounts)| match out.iter_mut().find(|(d, _)| *d == day) {
        Some((_, c)) => f(c),
        None => {
            let mut c = IndexCounts::default();
            f(&mut c);
            out.push((day, c));
        }
    };
    let received = local_day(record.received_at);
    let finished = record.finished_at.map(local_day);
    add(received, &|c| {
        c.received += 1;
        c.received_online +=
            i64::from(record.channel == Channel::Online && (!record.paper_result_required || record.has_e_result));
        c.fees_due += i64::from(record.fees_due);
        c.paid_online += i64::from(record.fees_due && record.paid_online);
        c.reused += i64::from(record.reused_components);
        c.open_now += i64::from(live.open);
    });
    if let Some(day) = finished {
        let completed = matches!(record.status, DossierStatus::Processed | DossierStatus::ResultReturned);
        let timed = completed.then_some(record.processing_days).flatten();
        add(day, &|c| {
            c.finished += 1;
            c.completed += i64::from(completed);
            c.completed_digitised += i64::from(completed && record.has_attachments && record.has_e_result);
            c.completed_timed += i64::from(timed.is_some());
            // Working days are whole numbers (`WorkingCalendar::working_days_between`).
            c.completed_days += timed.map_or(0, |d| d.round() as i64);
        });
    }
    let complained = record.has_complaint || record.rating == Some(Rating::Dissatisfied);
    // QĐ 766 2.1/5.4 population: accepted (an appointment date) and not withdrawn.
    if record.status != DossierStatus::Withdrawn && record.due_at.is_some() {
        // In progress at the end of day D (a period ending with D) when received on or before D and ended after.
        let open_until = finished.unwrap_or(NaiveDate::MAX);
        if open_until > received {
            add(received, &|c| {
                c.judged_open += 1;
                c.judged_open_complained += i64::from(complained);
            });
            if let Some(day) = finished {
                add(day, &|c| {
                    c.judged_open -= 1;
                    c.judged_open_complained -= i64::from(complained);
                });
            }
        }
        // In progress and on time at the end of day D while D < the day on which it becomes late, i.e. the end
        // of D (midnight of D + 1) is at or before `on_time_until`.
        if let Some(until) = on_time_until(record) {
            let late_from = until.map_or(NaiveDate::MAX, local_day);
            let leaves = open_until.min(late_from);
            if leaves > received {
                add(received, &|c| c.judged_open_on_time += 1);
                if leaves != NaiveDate::MAX {
                    add(leaves, &|c| c.judged_open_on_time -= 1);
                }
            }
        }
        if let (Some(day), Some(end)) = (finished, record.finished_at) {
            add(day, &|c| {
                c.judged_finished += 1;
                c.judged_finished_on_time += i64::from(record.on_time(end) == Some(true));
                c.judged_finished_complained += i64::from(complained);
            });
        }
    }
    if live.open
        && let Some(due) = live.running_due_at
    {
        add(local_day(due), &|c| c.running_due += 1);
    }
    out.retain(|(_, c)| !c.is_zero());
    out
}

/// The tallies of a period `[from, to]` (local days): the sum over its days, and the sum over every day before
/// it (whose balances carry into the period).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeriodCounts {
    /// Sum over every day before the period's first.
    pub before: IndexCounts,
    /// Sum over the days of the period.
    pub during: IndexCounts,
}

impl PeriodCounts {
    /// Adds another unit's (or month's) tallies.
    pub fn add(&mut self, other: &PeriodCounts) {
        self.before.add_scaled(&other.before, 1);
        self.during.add_scaled(&other.during, 1);
    }

    /// Dossiers that count for the period: received before its end and not ended before its start.
    pub fn dossiers(&self) -> u64 {
        let received = self.before.received + self.during.received;
        u64::try_from(received - self.before.finished).unwrap_or(0)
    }

    /// The balance columns at the period's end (every day up to its last).
    fn at_end(&self) -> IndexCounts {
        let mut end = self.before;
        end.add_scaled(&self.during, 1);
        end
    }
}

/// The QĐ 766 indicators of a period from its tallies; equal to [`compute_indices`] over the dossiers whose
/// contributions make up the tallies, for a period from the first day's local midnight to the local midnight
/// after the last day.
pub fn indicators_from_counts(counts: &PeriodCounts) -> Vec<Indicator> {
    let d = &counts.during;
    let end = counts.at_end();
    let judged = end.judged_open + d.judged_finished;
    let on_time = end.judged_open_on_time + d.judged_finished_on_time;
    let complained = end.judged_open_complained + d.judged_finished_complained;
    let n = |x: i64| u64::try_from(x).unwrap_or(0);
    compute_from_counts(super::Counts {
        judged: n(judged),
        on_time: n(on_time),
        complained: n(complained),
        received: n(d.received),
        received_online: n(d.received_online),
        fees_due: n(d.fees_due),
        paid_online: n(d.paid_online),
        reused: n(d.reused),
        completed: n(d.completed),
        digitised: n(d.completed_digitised),
        timed: n(d.completed_timed),
        total_days: d.completed_days as f64,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};
    use proptest::prelude::*;

    use super::super::{SupplementPause, compute_indices};
    use super::*;

    fn midnight(day: NaiveDate) -> DateTime<Utc> {
        TZ.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| panic!("no local midnight"))
    }

    fn base() -> DateTime<Utc> {
        midnight(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default())
    }

    /// Sums the contributions of `records` into the tallies of `[from, to]`.
    fn tally(records: &[DossierRecord], from: NaiveDate, to: NaiveDate) -> PeriodCounts {
        let mut counts = PeriodCounts::default();
        for r in records {
            for (day, c) in contributions(r, &LiveState::default()) {
                if day < from {
                    counts.before.add_scaled(&c, 1);
                } else if day <= to {
                    counts.during.add_scaled(&c, 1);
                }
            }
        }
        counts
    }

    prop_compose! {
        /// A dossier received within 120 days of 1 January 2026 at any hour, in any status, perhaps accepted with
        /// an appointment, perhaps ended, with at most one closed pause after acceptance and perhaps an open one
        /// after it (as the workflow records them), any rating, fees and flags.
        fn record()(
            received_min in 0i64..120 * 24 * 60,
            status in 0usize..10,
            accepted in any::<bool>(),
            due_after_min in -2000i64..30 * 24 * 60,
            end_after_min in prop::option::of(0i64..60 * 24 * 60),
            closed_pause in prop::option::of((0i64..5000, 0i64..8000)),
            open_pause in prop::option::of(0i64..20_000),
            requests in 0u32..3,
            flags in prop::array::uniform8(any::<bool>()),
            rating in 0u8..4,
            days in 0i64..30,
        ) -> DossierRecord {
            let received_at = base() + TimeDelta::minutes(received_min);
            let status = DossierStatus::ALL[status];
            let accepted_at = received_at + TimeDelta::minutes(30);
            let mut pauses = Vec::new();
            let mut pause_end = accepted_at;
            if let Some((start, len)) = closed_pause {
                let s = accepted_at + TimeDelta::minutes(start);
                pause_end = s + TimeDelta::minutes(len);
                pauses.push(SupplementPause { requested_at: s, submitted_at: Some(pause_end) });
            }
            if let Some(start) = open_pause {
                pauses.push(SupplementPause { requested_at: pause_end + TimeDelta::minutes(start), submitted_at: None });
            }
            DossierRecord {
                received_at,
                channel: [Channel::Online, Channel::Counter, Channel::Post][received_min as usize % 3],
                status,
                due_at: accepted.then(|| accepted_at + TimeDelta::minutes(due_after_min)),
                finished_at: end_after_min.map(|m| received_at + TimeDelta::minutes(m)),
                supplement_pauses: if accepted { pauses } else { Vec::new() },
                supplement_requests: requests,
                processing_days: (accepted && end_after_min.is_some()).then_some(days as f64),
                has_attachments: flags[0],
                has_e_result: flags[1],
                paper_result_required: flags[2],
                reused_components: flags[3],
                rating: [None, Some(Rating::Satisfied), Some(Rating::Acceptable), Some(Rating::Dissatisfied)]
                    [rating as usize],
                has_complaint: flags[4],
                fees_due: flags[5],
                paid_online: flags[6],
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The tallies give exactly the indicators (and the dossier count) a recomputation over the records
        /// gives, for any day-aligned period.
        #[test]
        fn indicators_match_a_recomputation(
            records in prop::collection::vec(record(), 0..40),
            from_offset in 0i64..150,
            length in 0i64..90,
        ) {
            let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
            let from = first + TimeDelta::days(from_offset - 10);
            let to = from + TimeDelta::days(length);
            let (start, end) = (midnight(from), midnight(to + TimeDelta::days(1)));
            let counts = tally(&records, from, to);
            prop_assert_eq!(indicators_from_counts(&counts), compute_indices(&records, start, end));
            let expected = records
                .iter()
                .filter(|r| r.received_at < end && r.finished_at.is_none_or(|f| f >= start))
                .count() as u64;
            prop_assert_eq!(counts.dossiers(), expected);
        }
    }

    #[test]
    fn an_open_pause_before_the_due_date_keeps_a_dossier_on_time() {
        let r = DossierRecord {
            received_at: base(),
            channel: Channel::Counter,
            status: DossierStatus::SupplementRequested,
            due_at: Some(base() + TimeDelta::days(5)),
            finished_at: None,
            supplement_pauses: vec![SupplementPause { requested_at: base() + TimeDelta::days(2), submitted_at: None }],
            supplement_requests: 1,
            processing_days: None,
            has_attachments: false,
            has_e_result: false,
            paper_result_required: false,
            reused_components: false,
            rating: None,
            has_complaint: false,
            fees_due: false,
            paid_online: false,
        };
        assert_eq!(on_time_until(&r), Some(None));
        let c = contributions(&r, &LiveState { open: true, running_due_at: None });
        assert_eq!(c.len(), 1, "everything on the day of reception: {c:?}");
        let (_, counts) = c[0];
        assert_eq!((counts.judged_open, counts.judged_open_on_time, counts.open_now), (1, 1, 1));
    }

    #[test]
    fn overdue_dossiers_are_tallied_on_their_current_appointment() {
        let due = base() + TimeDelta::days(40);
        let r = DossierRecord {
            received_at: base(),
            channel: Channel::Online,
            status: DossierStatus::Processing,
            due_at: Some(base() + TimeDelta::days(30)),
            finished_at: None,
            supplement_pauses: Vec::new(),
            supplement_requests: 0,
            processing_days: None,
            has_attachments: true,
            has_e_result: false,
            paper_result_required: false,
            reused_components: false,
            rating: None,
            has_complaint: false,
            fees_due: false,
            paid_online: false,
        };
        let c = contributions(&r, &LiveState { open: true, running_due_at: Some(due) });
        let on_due_day: Vec<_> = c.iter().filter(|(d, _)| *d == local_day(due)).collect();
        assert_eq!(on_due_day.len(), 1);
        assert_eq!(on_due_day[0].1.running_due, 1);
        // Late from the 31st day on: the on-time balance leaves on the original appointment's day.
        let leaves: Vec<_> = c.iter().filter(|(_, c)| c.judged_open_on_time < 0).collect();
        assert_eq!(leaves.len(), 1);
        assert_eq!(leaves[0].0, local_day(base() + TimeDelta::days(30)));
    }
}
