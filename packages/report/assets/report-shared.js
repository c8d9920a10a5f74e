/* What the report pages' scripts share: plain browser JavaScript, inlined before each of them. */
/* global window */
'use strict';

window.cdnReportShared = {
  /** A legend's or a label's number: whole above 100 (with separators), else 2 decimals at most. */
  formatNumber(value) {
    if (value === null || value === undefined) return '—';
    if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en');
    return String(Math.round(value * 100) / 100);
  },
};
