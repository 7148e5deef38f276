//! The payment gateway seen from the platform: build the address the payer is sent to, and verify what the
//! gateway reports. One protocol is implemented, VNPay 2.1.0 (`domain::payments`); the built-in sandbox and
//! the real VNPay differ only in the merchant account and the payment page.

use chrono::{DateTime, Utc};
use smartcity_domain::payments::{
    CallbackError, VnpayCallback, VnpayMerchant, VnpayOrder, verify_vnpay_callback, vnpay_payment_url,
};

/// A payment gateway: where to send the payer for an order, and how to read its signed notifications.
pub trait PaymentGateway {
    /// Stable name, recorded with payments (`vnpay`).
    fn name(&self) -> &'static str;
    /// The signed address of the gateway's payment page for `order`.
    fn payment_url(&self, order: &VnpayOrder) -> String;
    /// Verify and read a notification (IPN) or return-address query.
    fn verify(&self, params: &[(String, String)]) -> Result<VnpayCallback, CallbackError>;
}

/// VNPay 2.1.0 with one merchant account.
#[derive(Debug, Clone)]
pub struct VnpayGateway<'a> {
    pub merchant: &'a VnpayMerchant,
}

impl PaymentGateway for VnpayGateway<'_> {
    fn name(&self) -> &'static str {
        "vnpay"
    }

    fn payment_url(&self, order: &VnpayOrder) -> String {
        vnpay_payment_url(self.merchant, order)
    }

    fn verify(&self, params: &[(String, String)]) -> Result<VnpayCallback, CallbackError> {
        verify_vnpay_callback(self.merchant, params)
    }
}

/// An order for `amount_vnd` with our reference `txn_ref`, open until `expires_at`.
#[expect(clippy::too_many_arguments, reason = "every field is a protocol parameter")]
pub fn order(
    txn_ref: &str,
    amount_vnd: i64,
    info: &str,
    locale: &str,
    return_url: String,
    ip: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> VnpayOrder {
    VnpayOrder {
        txn_ref: txn_ref.to_owned(),
        amount_vnd,
        order_info: info.to_owned(),
        order_type: "other".to_owned(),
        locale: locale.to_owned(),
        return_url,
        ip_addr: ip.unwrap_or_else(|| "127.0.0.1".to_owned()),
        created_at,
        expires_at,
        bank_code: None,
    }
}
