//! Quy trình xử lý (standard operating procedure, SOP): the checklist an IOC operator follows for each alarm type.
//! Administrators write it as plain lines, `Vietnamese text | English text`, one step per line, because a textarea
//! is what works with a keyboard and a screen reader and what an administrator can paste from a document.
//! [`parse_steps`] turns that text into steps or says which line to fix; [`can_tick`] says when an alarm's
//! checklist may still change.

use crate::operations::alarms::Alarm;
use crate::validation::ValidationError;

/// Most steps in one procedure: a checklist longer than this is not read during an incident.
pub const MAX_STEPS: usize = 20;
/// Longest text of one step, in characters, per language.
pub const MAX_STEP_CHARS: usize = 300;

/// The procedures an installation starts with, per alarm type the platform raises (`flood_level` from the river
/// gauges against BĐ1–BĐ3, `device_silent` from infrastructure that stopped reporting); administrators adapt them.
pub const DEFAULT_PROCEDURES: [(&str, &[(&str, &str)]); 2] = [
    (
        "flood_level",
        &[
            (
                "Xác minh mực nước tại trạm và xu hướng 3 giờ qua",
                "Verify the level at the gauge and its trend over the last 3 hours",
            ),
            (
                "Báo Ban Chỉ huy Phòng chống thiên tai và Tìm kiếm cứu nạn thành phố",
                "Notify the city's Steering Committee for Natural Disaster Prevention, Search and Rescue",
            ),
            (
                "Đăng cảnh báo trên cổng thông tin cho các phường, xã ven sông",
                "Publish a warning on the portal for the riverside wards and communes",
            ),
            ("Theo dõi camera tại các điểm hay ngập", "Watch the cameras at the spots that usually flood"),
            ("Ghi nhận diễn biến và cập nhật mỗi giờ", "Log developments and update every hour"),
        ],
    ),
    (
        "device_silent",
        &[
            ("Kiểm tra nguồn điện và kết nối của thiết bị từ xa", "Check the device's power and connection remotely"),
            ("Báo đơn vị quản lý thiết bị", "Notify the unit that maintains the device"),
            (
                "Lập phiếu sửa chữa và ghi số phiếu vào ghi chú",
                "Open a repair ticket and write its number in the comment",
            ),
        ],
    ),
];

/// One step as an administrator wrote it (NFC, trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepText {
    pub vi: String,
    pub en: String,
}

/// The steps written in `text`, in order: blank lines are skipped; each other line must hold the Vietnamese and the
/// English text separated by `|`, both non-empty.
pub fn parse_steps(text: &str) -> Result<Vec<StepText>, ValidationError> {
    let mut steps = Vec::new();
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, crate::text::clean_line(l))) {
        if line.is_empty() {
            continue;
        }
        let Some((vi, en)) = line.split_once('|') else {
            return Err(ValidationError::new(
                "steps",
                "sop_line_needs_english",
                format!("Dòng {n}: hãy viết “tiếng Việt | English”, ngăn cách bằng dấu |."),
                format!("Line {n}: write “Vietnamese | English”, separated by a | sign."),
            ));
        };
        let (vi, en) = (vi.trim().to_owned(), en.trim().to_owned());
        if vi.is_empty() || en.is_empty() || en.contains('|') {
            return Err(ValidationError::new(
                "steps",
                "sop_line_invalid",
                format!("Dòng {n}: cần đúng một phần tiếng Việt và một phần tiếng Anh, đều không để trống."),
                format!("Line {n}: needs exactly one Vietnamese and one English part, neither empty."),
            ));
        }
        if vi.chars().count() > MAX_STEP_CHARS || en.chars().count() > MAX_STEP_CHARS {
            return Err(ValidationError::new(
                "steps",
                "sop_line_too_long",
                format!("Dòng {n}: mỗi phần tối đa {MAX_STEP_CHARS} ký tự."),
                format!("Line {n}: each part may have at most {MAX_STEP_CHARS} characters."),
            ));
        }
        steps.push(StepText { vi, en });
    }
    if steps.len() > MAX_STEPS {
        return Err(ValidationError::new(
            "steps",
            "sop_too_many_steps",
            format!("Một quy trình tối đa {MAX_STEPS} bước; hiện có {}.", steps.len()),
            format!("A procedure has at most {MAX_STEPS} steps; this one has {}.", steps.len()),
        ));
    }
    Ok(steps)
}

/// The text an administrator edits for `steps` (the inverse of [`parse_steps`]).
pub fn steps_text<'a>(steps: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    steps.into_iter().map(|(vi, en)| format!("{vi} | {en}")).collect::<Vec<_>>().join("\n")
}

/// An alarm's checklist may change until the alarm is both cleared and acknowledged (closed): after that it is
/// the record of what was done.
pub fn can_tick(alarm: &Alarm) -> Result<(), ValidationError> {
    if alarm.cleared && alarm.acknowledged {
        return Err(ValidationError::new(
            "step",
            "sop_alarm_closed",
            "Cảnh báo đã kết thúc và đã xác nhận; không thể đánh dấu thêm bước.",
            "The alarm is cleared and acknowledged; its checklist can no longer change.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::Value;

    use super::*;
    use crate::operations::alarms::AlarmSeverity;

    #[test]
    fn steps_are_lines_of_vietnamese_and_english() {
        let text = "  Báo Ban Chỉ huy | Notify the committee \n\n Xác minh mực nước|Verify the level\r\n";
        let steps = parse_steps(text).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            steps,
            vec![
                StepText { vi: "Báo Ban Chỉ huy".into(), en: "Notify the committee".into() },
                StepText { vi: "Xác minh mực nước".into(), en: "Verify the level".into() },
            ]
        );
        let round = steps_text(steps.iter().map(|s| (s.vi.as_str(), s.en.as_str())));
        assert_eq!(parse_steps(&round).ok(), Some(steps));
        assert_eq!(parse_steps("").ok(), Some(vec![]));
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = parse_steps("A | a\nchỉ tiếng Việt").err().unwrap_or_else(|| panic!("accepted"));
        assert_eq!(e.code, "sop_line_needs_english");
        assert!(e.vi.contains("Dòng 2") && e.en.contains("Line 2"));
        for bad in ["| English only", "Tiếng Việt |", "a | b | c"] {
            let e = parse_steps(bad).err().unwrap_or_else(|| panic!("{bad} accepted"));
            assert_eq!(e.code, "sop_line_invalid");
        }
        let long = format!("{} | x", "a".repeat(MAX_STEP_CHARS + 1));
        assert_eq!(parse_steps(&long).err().map(|e| e.code), Some("sop_line_too_long"));
        let many = (0..=MAX_STEPS).map(|i| format!("b{i} | s{i}")).collect::<Vec<_>>().join("\n");
        assert_eq!(parse_steps(&many).err().map(|e| e.code), Some("sop_too_many_steps"));
    }

    #[test]
    fn text_is_nfc_normalised() {
        let decomposed = "Xa\u{0301}c minh | Verify";
        let steps = parse_steps(decomposed).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(steps[0].vi, "Xác minh");
    }

    #[test]
    fn a_closed_alarm_keeps_its_checklist() {
        let now = Utc::now();
        let mut alarm = Alarm {
            originator: "Things(1)".into(),
            alarm_type: "flood_level".into(),
            severity: AlarmSeverity::Major,
            acknowledged: true,
            cleared: false,
            start_ts: now,
            end_ts: now,
            ack_ts: Some(now),
            clear_ts: None,
            assignee: None,
            assign_ts: None,
            details: Value::Null,
        };
        assert!(can_tick(&alarm).is_ok(), "active and acknowledged");
        alarm.cleared = true;
        assert_eq!(can_tick(&alarm).err().map(|e| e.code), Some("sop_alarm_closed"));
        alarm.acknowledged = false;
        assert!(can_tick(&alarm).is_ok(), "cleared but not yet acknowledged");
    }
}
