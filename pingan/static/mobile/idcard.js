/*
 * 公民身份号码 (GB 11643) and phone numbers on the phone: the same checks the server makes
 * (pingan/core/idnumber.py, pingan/core/phones.py) so a typo is caught while the worker is
 * still with the resident, and the sex and birth date the number encodes are shown before
 * anything is queued. The server checks again.
 * Pure: runs in the page and under `node --test`.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.PinganIdCard = api;
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const CHECK_CHARS = "10X98765432";
  const PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44,
    45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 99];

  function checkCharacter(first17) {
    let total = 0;
    for (let i = 0; i < 17; i += 1) total += Number(first17[i]) * WEIGHTS[i];
    return CHECK_CHARS[total % 11];
  }

  /** Full-width digits and "Ｘ" (Chinese IME) to ASCII, spaces removed, upper case. */
  function clean(value) {
    return String(value || "")
      .replace(/[\uff10-\uff19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); })
      .replace(/[\uff38\uff58]/g, "X")
      .replace(/\s+/g, "")
      .toUpperCase();
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /**
   * {ok, number, sex, sexLabel, birth, error}: `number` is the 18-character form (a 15-digit
   * number is upgraded), `sex` "1"/"2", `birth` "YYYY-MM-DD". `today` (a Date) is injected
   * in tests.
   */
  function parse(value, today) {
    const text = clean(value);
    const now = today || new Date();
    if (!text) return { ok: false, error: "请填写公民身份号码。" };
    if (text.length !== 15 && text.length !== 18) {
      return { ok: false, error: "公民身份号码应为18位（旧版为15位），输入的是" + text.length + "位。" };
    }
    if (text.length === 15 && !/^\d{15}$/.test(text)) return { ok: false, error: "15位公民身份号码只能包含数字。" };
    if (text.length === 18 && !/^\d{17}[\dX]$/.test(text)) {
      return { ok: false, error: "公民身份号码前17位必须是数字，最后一位是数字或X。" };
    }
    if (PROVINCES.indexOf(Number(text.slice(0, 2))) === -1) {
      return { ok: false, error: "前两位“" + text.slice(0, 2) + "”不是有效的省级行政区划代码。" };
    }
    // 15-digit numbers were issued to people born in the 1900s: the century is "19".
    const first17 = text.length === 15 ? text.slice(0, 6) + "19" + text.slice(6) : text.slice(0, 17);
    const digits8 = first17.slice(6, 14);
    const y = Number(digits8.slice(0, 4));
    const m = Number(digits8.slice(4, 6));
    const d = Number(digits8.slice(6, 8));
    const born = new Date(Date.UTC(y, m - 1, d));
    if (born.getUTCFullYear() !== y || born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d) {
      return { ok: false, error: "出生日期“" + digits8 + "”不是有效日期。" };
    }
    const todayUtc = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
    if (born.getTime() > todayUtc) return { ok: false, error: "出生日期“" + digits8 + "”晚于今天。" };
    if (y < 1900) return { ok: false, error: "出生日期“" + digits8 + "”早于1900年。" };
    const expected = checkCharacter(first17);
    if (text.length === 18 && text[17] !== expected) {
      return {
        ok: false,
        error: "校验码错误：按前17位计算最后一位应为“" + expected + "”，请核对号码是否录入有误。",
      };
    }
    const number = first17 + expected;
    const sex = Number(number[16]) % 2 === 1 ? "1" : "2";
    return {
      ok: true,
      number: number,
      sex: sex,
      sexLabel: sex === "1" ? "男" : "女",
      birth: y + "-" + pad(m) + "-" + pad(d),
      error: "",
    };
  }

  /** `530623199001011234` → `530623********1234`, as the server masks it. */
  function mask(number) {
    const text = String(number || "");
    if (text.length <= 10) return text.replace(/./g, "*");
    return text.slice(0, 6) + text.slice(6, -4).replace(/./g, "*") + text.slice(-4);
  }

  /**
   * A phone number as the server accepts it (pingan/core/phones.py): {ok, number, error}.
   * Separators and a +86/0086 prefix are dropped; a mobile (1[3-9] + 9 digits) or a landline
   * with its area code (0 + 9–11 digits). Empty is ok (the phone is optional).
   */
  function phone(value) {
    let text = String(value || "")
      .replace(/[\uff10-\uff19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); })
      .trim()
      .replace(/[\s\-()（）]/g, "");
    if (text.indexOf("+86") === 0) text = text.slice(3);
    else if (text.indexOf("0086") === 0) text = text.slice(4);
    if (!text) return { ok: true, number: "", error: "" };
    if (!/^\d+$/.test(text)) return { ok: false, error: "联系电话只能包含数字（可带区号分隔符“-”）。" };
    if (/^1[3-9]\d{9}$/.test(text) || /^0\d{9,11}$/.test(text)) return { ok: true, number: text, error: "" };
    return { ok: false, error: "联系电话应为11位手机号码，或带区号的固定电话号码（如 0871-12345678）。" };
  }

  return { parse: parse, clean: clean, checkCharacter: checkCharacter, mask: mask, phone: phone };
});
